package dev.arcfleet.route;

import static dev.arcfleet.route.RoutingRuleTest.LONG_NAME;
import static dev.arcfleet.route.RoutingRuleTest.repository;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.fleet.RepositoryConfig;

/**
 * The generated workflows against GitHub's own parsers ({@code @actions/workflow-parser} and
 * {@code @actions/expressions} 0.3.61, bundled by the {@code github-parsers} Maven execution), and the
 * route job's shell against {@link RoutingRule}.
 */
class GithubAcceptsSnippetsTest {

    private static final Path CHECKER = Path.of("target", "check-workflow.cjs");
    private static final long TIMEOUT_SECONDS = 60;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private static final String BRANCH_KEY = "github.head_ref || github.ref_name";

    private static Path node;

    @TempDir
    Path dir;

    @BeforeAll
    static void findNodeAndChecker() {
        // Failing, not skipping: CI has Node, and a skipped test would hide that nothing was checked.
        node = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry, "node"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseGet(() -> fail("NODE.JS IS NOT ON PATH: GithubAcceptsSnippetsTest runs GitHub's workflow"
                        + " parser with node. Install Node.js 20 or later and run ./mvnw -B verify."));
        assertTrue(Files.isRegularFile(CHECKER), CHECKER + " is missing: run ./mvnw -B process-test-classes, whose"
                + " github-parsers execution runs npm ci in src/test/js and bundles the checker");
    }

    static Stream<Arguments> repositories() {
        List<Arguments> cases = new ArrayList<>();
        for (int instances : new int[] { 1, 2, 3, 5, 10 }) {
            cases.add(Arguments.of("rkoster/rubionic-workspace", instances));
            cases.add(Arguments.of("Acme-Corp/My.Repo_X", instances));
            cases.add(Arguments.of(LONG_NAME, instances));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("repositories")
    void routeJobWorkflowIsAccepted(String name, int instances) throws Exception {
        WorkflowSnippets.Snippets snippets = WorkflowSnippets.of(repository(name, instances));
        JsonNode report = check(snippets.routeJobWorkflow(), null, List.of());
        assertEquals(List.of(), errors(report.path("workflow")), snippets.routeJobWorkflow());
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("repositories")
    void routeJobWithBranchKeyIsAccepted(String name, int instances) throws Exception {
        WorkflowSnippets.Snippets snippets = WorkflowSnippets.of(repository(name, instances),
                new WorkflowSnippets.Options(BRANCH_KEY, "ubuntu-24.04"));
        JsonNode report = check(snippets.routeJobWorkflow(), null, List.of());
        assertEquals(List.of(), errors(report.path("workflow")), snippets.routeJobWorkflow());
    }

    static Stream<Arguments> divisorsOfTen() {
        return repositories().filter(arguments -> 10 % (int) arguments.get()[1] == 0);
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("divisorsOfTen")
    void singleExpressionIsAcceptedAndPicksTheRulesSet(String name, int instances) throws Exception {
        singleExpressionIsAcceptedAndPicksTheRulesSet(repository(name, instances));
    }

    private void singleExpressionIsAcceptedAndPicksTheRulesSet(RepositoryConfig repository) throws Exception {
        WorkflowSnippets.SingleExpression single = WorkflowSnippets.of(repository).singleExpression().orElseThrow();
        assertTrue(single.workflow().contains("\n    " + single.runsOnLine() + "\n"), single.workflow());

        List<Object> contexts = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int n = 0; n <= 200; n++) {
            contexts.add(Map.of("github", Map.of("event", Map.of("issue", Map.of("number", n)))));
            expected.add(RoutingRule.forNumber(repository, n).setName());
        }
        for (int n = 1; n <= 200; n++) {
            contexts.add(Map.of("github", Map.of("event", Map.of("pull_request", Map.of("number", n)),
                    "run_number", 7)));
            expected.add(RoutingRule.forNumber(repository, n).setName());
        }
        for (int runNumber = 1; runNumber <= 200; runNumber++) {
            contexts.add(Map.of("github", Map.of("event", Map.of(), "run_number", runNumber)));
            expected.add(RoutingRule.forKey(repository, Integer.toString(runNumber)).setName());
        }

        JsonNode report = check(single.workflow(), single.expression(), contexts);
        assertEquals(List.of(), errors(report.path("workflow")), single.workflow());
        assertTrue(report.path("expression").path("error").isNull(), report.toString());
        List<String> results = new ArrayList<>();
        report.path("expression").path("results").forEach(result -> results.add(result.asText()));
        assertEquals(expected, results);
    }

    @ParameterizedTest
    @ValueSource(ints = { 3, 4, 6, 7, 20 })
    void noSingleExpressionWhereTheLastDigitDoesNotDecide(int instances) {
        WorkflowSnippets.Snippets snippets = WorkflowSnippets.of(repository("rkoster/rubionic-workspace", instances));
        assertTrue(snippets.singleExpression().isEmpty());
        assertTrue(snippets.singleExpressionNote().startsWith("No single runs-on expression for " + instances
                + " instances"), snippets.singleExpressionNote());
        assertTrue(snippets.singleExpressionNote().contains("11 mod " + instances + " = " + 11 % instances),
                snippets.singleExpressionNote());
        assertTrue(snippets.singleExpressionNote().contains("Use the route-job workflow"),
                snippets.singleExpressionNote());
    }

    @Test
    void noSingleExpressionForAKeyThatIsNotANumber() {
        WorkflowSnippets.Snippets snippets = WorkflowSnippets.of(repository("rkoster/rubionic-workspace", 5),
                new WorkflowSnippets.Options(BRANCH_KEY, WorkflowSnippets.DEFAULT_ROUTE_RUNS_ON));
        assertTrue(snippets.singleExpression().isEmpty());
        assertTrue(snippets.singleExpressionNote().contains("SHA-256"), snippets.singleExpressionNote());
    }

    @Test
    void designsPercentLineIsRejectedByGithubsParser() throws Exception {
        String expression = "github.event.issue.number % 3 + 1";
        String workflow = """
                on: [issues]
                jobs:
                  work:
                    runs-on: arc-runner-rkoster-rubionic-workspace-${{ github.event.issue.number % 3 + 1 }}
                    steps:
                      - run: echo hello
                """;
        JsonNode report = check(workflow, expression, List.of(Map.of()));
        List<String> workflowErrors = errors(report.path("workflow"));
        assertEquals(1, workflowErrors.size(), workflowErrors.toString());
        assertTrue(workflowErrors.get(0).contains("Unexpected symbol: '%'"), workflowErrors.get(0));
        assertTrue(report.path("expression").path("error").asText().startsWith("Unexpected symbol: '%'"),
                report.toString());
    }

    static Stream<Arguments> routeScriptCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int instances : new int[] { 1, 2, 3, 5, 7, 10 }) {
            cases.add(Arguments.of("rkoster/rubionic-workspace", instances));
        }
        cases.add(Arguments.of(LONG_NAME, 3));
        cases.add(Arguments.of(LONG_NAME, 10));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("routeScriptCases")
    void routeScriptInBashPicksTheRulesSet(String name, int instances) throws Exception {
        routeScriptInBashPicksTheRulesSet(repository(name, instances));
    }

    private void routeScriptInBashPicksTheRulesSet(RepositoryConfig repository) throws Exception {
        JsonNode step = routeStep(WorkflowSnippets.of(repository).routeJobWorkflow());
        Path script = dir.resolve("route.sh");
        Files.writeString(script, step.path("run").asText());

        for (int number : new int[] { 1, 2, 7, 10, 99, 123, 4567, 1000001 }) {
            assertEquals(RoutingRule.forNumber(repository, number).setName(),
                    runRouteScript(script, Integer.toString(number), "main"), "number " + number);
        }
        Path marker = dir.resolve("injected");
        List<String> keys = List.of("1", "42", "0042", "010", "1" + "0".repeat(30), "", "main", "feature/x", "-1",
                "4 2", "٤٢", "$(touch " + marker + ")", "`touch " + marker + "`", "x'; touch " + marker + "; '",
                "\"; touch " + marker + "; \"");
        for (String key : keys) {
            assertEquals(RoutingRule.forKey(repository, key).setName(), runRouteScript(script, "", key),
                    "key '" + key + "'");
        }
        assertFalse(Files.exists(marker), "a key ran as a command");
    }

    /** Sets numbered from 0, or named as they are: both forms of the workflow pick the rule's set by position. */
    static Stream<Arguments> namedSets() {
        return Stream.of(
                Arguments.of("firstIndex 0 x 2", repository("acme/tools", 2, "    firstIndex: 0\n")),
                Arguments.of("firstIndex 0 x 5", repository("acme/tools", 5, "    firstIndex: 0\n")),
                Arguments.of("sets x 1", RoutingRuleTest.listed("acme/quickstart", List.of("arc-runner-set"))),
                Arguments.of("sets x 2", RoutingRuleTest.listed("acme/quickstart", List.of("arc-runner-set",
                        "arc-runner-acme-svc-42"))),
                Arguments.of("sets x 5", RoutingRuleTest.listed("acme/quickstart", List.of("e", "d", "c", "b", "a"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namedSets")
    void namedSetsAreRoutedAsTheRuleRoutesThem(String label, RepositoryConfig repository) throws Exception {
        JsonNode report = check(WorkflowSnippets.of(repository).routeJobWorkflow(), null, List.of());
        assertEquals(List.of(), errors(report.path("workflow")), label);
        singleExpressionIsAcceptedAndPicksTheRulesSet(repository);
        routeScriptInBashPicksTheRulesSet(repository);
    }

    @Test
    void untrustedValuesReachTheRouteScriptOnlyThroughItsEnvironment() throws Exception {
        JsonNode step = routeStep(WorkflowSnippets.of(repository("rkoster/rubionic-workspace", 3),
                new WorkflowSnippets.Options(BRANCH_KEY, WorkflowSnippets.DEFAULT_ROUTE_RUNS_ON)).routeJobWorkflow());
        assertFalse(step.path("run").asText().contains("${{"), step.path("run").asText());
        assertEquals("${{ " + WorkflowSnippets.NUMBER_EXPRESSION + " }}",
                step.path("env").path("ROUTE_NUMBER").asText());
        assertEquals("${{ " + BRANCH_KEY + " }}", step.path("env").path("ROUTE_KEY").asText());
    }

    /** From event to set: GitHub's evaluator fills the step's env, then bash runs the script. */
    @ParameterizedTest
    @ValueSource(ints = { 3, 10 })
    void eventsRouteEndToEndThroughTheRouteJob(int instances) throws Exception {
        RepositoryConfig repository = repository("rkoster/rubionic-workspace", instances);
        JsonNode step = routeStep(WorkflowSnippets.of(repository,
                new WorkflowSnippets.Options(BRANCH_KEY, WorkflowSnippets.DEFAULT_ROUTE_RUNS_ON)).routeJobWorkflow());
        Path script = dir.resolve("route.sh");
        Files.writeString(script, step.path("run").asText());

        List<Object> contexts = List.of(
                Map.of("github", Map.of("event_name", "issues", "event", Map.of("issue", Map.of("number", 123)),
                        "ref_name", "main")),
                Map.of("github", Map.of("event_name", "issue_comment", "event", Map.of("issue", Map.of("number", 8)),
                        "ref_name", "main")),
                Map.of("github", Map.of("event_name", "pull_request",
                        "event", Map.of("pull_request", Map.of("number", 41)),
                        "head_ref", "feature/$(id)", "ref_name", "41/merge")),
                Map.of("github", Map.of("event_name", "workflow_dispatch", "event", Map.of(), "head_ref", "",
                        "ref_name", "release-1.2")));
        List<String> expected = List.of(
                RoutingRule.forNumber(repository, 123).setName(),
                RoutingRule.forNumber(repository, 8).setName(),
                RoutingRule.forNumber(repository, 41).setName(),
                RoutingRule.forKey(repository, "release-1.2").setName());

        List<String> numbers = evaluateEnv(step, "ROUTE_NUMBER", contexts);
        List<String> keys = evaluateEnv(step, "ROUTE_KEY", contexts);
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < contexts.size(); i++) {
            picked.add(runRouteScript(script, numbers.get(i), keys.get(i)));
        }
        assertEquals(expected, picked);
    }

    private static JsonNode routeStep(String workflow) throws IOException {
        JsonNode step = YAML.readTree(workflow).path("jobs").path("route").path("steps").path(0);
        // The script is run below as GitHub runs `shell: bash`.
        assertEquals("bash", step.path("shell").asText(), workflow);
        return step;
    }

    /** The env value GitHub computes: the expression's result as a string, null as empty. */
    private List<String> evaluateEnv(JsonNode step, String variable, List<Object> contexts) throws Exception {
        String value = step.path("env").path(variable).asText();
        assertTrue(value.startsWith("${{ ") && value.endsWith(" }}"), value);
        String expression = value.substring("${{ ".length(), value.length() - " }}".length());
        String anyWorkflow = "on: push\njobs:\n  noop:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 0\n";
        JsonNode report = check(anyWorkflow, expression, contexts);
        assertTrue(report.path("expression").path("error").isNull(), report.toString());
        List<String> values = new ArrayList<>();
        report.path("expression").path("results").forEach(result -> values.add(result.isNull() ? "" : result.asText()));
        return values;
    }

    /** Runs the route script as GitHub's {@code shell: bash} does and returns the runner it outputs. */
    private String runRouteScript(Path script, String number, String key) throws Exception {
        Path output = Files.createTempFile(dir, "github-output", ".txt");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ROUTE_NUMBER", number);
        env.put("ROUTE_KEY", key);
        env.put("GITHUB_OUTPUT", output.toString());
        Result result = run(List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString()), env);
        assertEquals(0, result.status(), result.toString());
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("runner="), lines.get(0));
        return lines.get(0).substring("runner=".length());
    }

    /** Runs the bundled checker; exit status 0 exactly when it reports no error. */
    private JsonNode check(String workflow, String expression, List<Object> contexts) throws Exception {
        Path workflowFile = Files.createTempFile(dir, "workflow", ".yml");
        Files.writeString(workflowFile, workflow);
        List<String> command = new ArrayList<>(List.of(node.toString(), CHECKER.toString(), workflowFile.toString()));
        if (expression != null) {
            Path contextsFile = Files.createTempFile(dir, "contexts", ".json");
            JSON.writeValue(contextsFile.toFile(), contexts);
            command.add(expression);
            command.add(contextsFile.toString());
        }
        Result result = run(command, Map.of());
        JsonNode report = JSON.readTree(result.stdout());
        boolean anyError = !errors(report.path("workflow")).isEmpty()
                || (expression != null && !report.path("expression").path("error").isNull());
        assertEquals(anyError ? 1 : 0, result.status(), result.toString());
        return report;
    }

    private static List<String> errors(JsonNode workflowReport) {
        assertTrue(workflowReport.path("errors").isArray(), workflowReport.toString());
        List<String> errors = new ArrayList<>();
        workflowReport.path("errors").forEach(error -> errors.add(error.asText()));
        return errors;
    }

    private record Result(int status, String stdout, String stderr) {
    }

    private Result run(List<String> command, Map<String, String> env) throws Exception {
        Path stdout = Files.createTempFile(dir, "stdout", ".txt");
        Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + " s: " + command);
        }
        return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }
}
