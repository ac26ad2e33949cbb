package dev.arcfleet.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;

/**
 * Workflow text that routes a repository's runs to its runner sets by {@link RoutingRule}, in forms
 * GitHub accepts (see {@link RoutingRule} for why {@code %} in {@code runs-on} is not one of them).
 * <ul>
 * <li>The route-job workflow works for any number of instances: a small first job computes the set
 * name in shell and hands it to the real job as {@code needs.route.outputs.runner}.</li>
 * <li>The single-expression {@code runs-on} needs no extra job but exists only where expressions alone
 * can decide: {@code n mod N} must follow from the last decimal digit of {@code n}, that is N divides
 * 10, and the fallback key must be a number.</li>
 * </ul>
 * The output depends only on its input, so regenerating it gives the same text.
 */
public final class WorkflowSnippets {

    public static final String DEFAULT_FALLBACK_KEY = "github.run_number";
    public static final String DEFAULT_ROUTE_RUNS_ON = "ubuntu-latest";

    /** Issue events and comments carry the number in {@code issue}, pull-request events in {@code pull_request}. */
    static final String NUMBER_EXPRESSION = "github.event.issue.number || github.event.pull_request.number";

    /** Keys GitHub always fills with digits, so the last-digit expression can route them as the rule does. */
    private static final Set<String> NUMERIC_KEYS = Set.of("github.run_number", "github.run_id");

    private static final Pattern RUNNER_LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private static final String ON = "on: [issues, issue_comment, pull_request, workflow_dispatch]";

    /**
     * @param fallbackKey an expression (without {@code ${{ }}}) for the key of runs without an issue or
     *                    pull-request number, such as {@code github.head_ref || github.ref_name}
     * @param routeRunsOn the runner label of the route job
     */
    public record Options(String fallbackKey, String routeRunsOn) {

        public static final Options DEFAULTS = new Options(DEFAULT_FALLBACK_KEY, DEFAULT_ROUTE_RUNS_ON);

        public Options {
            // The key is written as a plain YAML scalar inside ${{ }}: these would end either early.
            if (fallbackKey.isBlank() || fallbackKey.contains("${{") || fallbackKey.contains("}}")
                    || fallbackKey.contains(": ") || fallbackKey.contains(" #")
                    || fallbackKey.lines().count() != 1) {
                throw new IllegalArgumentException("fallbackKey must be one line of expression, without '${{', '}}',"
                        + " ': ' or ' #', got '" + fallbackKey + "'");
            }
            if (!RUNNER_LABEL.matcher(routeRunsOn).matches()) {
                throw new IllegalArgumentException("routeRunsOn must be a runner label such as ubuntu-latest, got '"
                        + routeRunsOn + "'");
            }
        }
    }

    /**
     * @param expression the expression inside {@code ${{ }}}
     * @param runsOnLine {@code runs-on: ${{ expression }}}
     * @param workflow   a complete minimal workflow using it
     */
    public record SingleExpression(String expression, String runsOnLine, String workflow) {
    }

    /**
     * @param routeJobWorkflow     a complete example workflow with a {@code route} and a {@code work} job
     * @param singleExpression     present where expressions alone can apply the rule
     * @param singleExpressionNote how the single expression routes, or why there is none
     */
    public record Snippets(String routeJobWorkflow, Optional<SingleExpression> singleExpression,
            String singleExpressionNote) {

        /** Both forms as one YAML stream, the note as comments: what {@code arcfleet workflow} prints. */
        public String asYaml() {
            StringBuilder yaml = new StringBuilder("# Route-job form: works for any number of instances.\n")
                    .append(routeJobWorkflow);
            yaml.append("---\n");
            singleExpressionNote.lines().forEach(line -> yaml.append("# ").append(line).append('\n'));
            singleExpression.ifPresent(single -> yaml.append(single.workflow()));
            return yaml.toString();
        }
    }

    private WorkflowSnippets() {
    }

    public static Snippets of(RepositoryConfig repository) {
        return of(repository, Options.DEFAULTS);
    }

    public static Snippets of(RepositoryConfig repository, Options options) {
        String routeJob = routeJobWorkflow(repository, options);
        int instances = repository.instances();
        if (10 % instances != 0) {
            return new Snippets(routeJob, Optional.empty(), "No single runs-on expression for " + instances
                    + " instances: GitHub expressions have no arithmetic (the design's '% " + instances
                    + " + 1' is rejected with \"Unexpected symbol: '%'\"), so an expression can only pick the set"
                    + " by matching the decimal text of the number, and n mod " + instances
                    + " depends on more than its last digit (1 mod " + instances + " = 1 but 11 mod " + instances
                    + " = " + 11 % instances + "). Only 1, 2, 5 or 10 instances, the divisors of 10, allow one"
                    + " expression. Use the route-job workflow, which computes the set in a first job.");
        }
        if (instances > 1 && !NUMERIC_KEYS.contains(options.fallbackKey())) {
            return new Snippets(routeJob, Optional.empty(), "No single runs-on expression with the fallback key '"
                    + options.fallbackKey() + "': a key that is not always digits is routed by its SHA-256, which"
                    + " GitHub expressions cannot compute. Use the route-job workflow, which computes the set in a"
                    + " first job.");
        }
        String expression = lastDigitExpression(repository, options.fallbackKey());
        String runsOnLine = "runs-on: ${{ " + expression + " }}";
        String note = instances == 1
                ? "With 1 instance every run goes to " + setNames(repository).get(0) + "."
                : "n mod " + instances + " depends only on the last decimal digit of n, because " + instances
                        + " divides 10, so endsWith() on the number's text picks the same set as the route job: n is"
                        + " the issue or pull-request number, else " + options.fallbackKey() + ".";
        String workflow = String.join("\n",
                "# Routes " + repository.fullName() + "'s runs to its " + instances + " arcfleet runner set"
                        + (instances == 1 ? "" : "s") + " with one runs-on expression:",
                "# set n mod " + instances + " + 1 for issue or pull request n, else for n = "
                        + options.fallbackKey() + ".",
                "name: arcfleet routed work",
                ON,
                "permissions:",
                "  contents: read",
                "jobs:",
                "  work:",
                "    " + runsOnLine,
                "    steps:",
                "      - uses: actions/checkout@v4",
                "      - run: echo \"Running on $RUNNER_NAME\"",
                "");
        return new Snippets(routeJob, Optional.of(new SingleExpression(expression, runsOnLine, workflow)), note);
    }

    /**
     * {@code cond(1) && 'set-2' || cond(2) && 'set-3' || … || 'set-1'}, where {@code cond(r)} says the
     * last digit d of n has d mod N = r. Set names are never empty, so {@code &&} yields the name.
     */
    private static String lastDigitExpression(RepositoryConfig repository, String fallbackKey) {
        List<String> names = setNames(repository);
        int instances = repository.instances();
        String number = "format('{0}', " + NUMBER_EXPRESSION + " || " + fallbackKey + ")";
        List<String> branches = new ArrayList<>();
        for (int remainder = 1; remainder < instances; remainder++) {
            int r = remainder;
            List<String> tests = IntStream.range(0, 10)
                    .filter(digit -> digit % instances == r)
                    .mapToObj(digit -> "endsWith(" + number + ", '" + digit + "')")
                    .toList();
            String condition = tests.size() == 1 ? tests.get(0) : "(" + String.join(" || ", tests) + ")";
            branches.add(condition + " && '" + names.get(remainder) + "'");
        }
        branches.add("'" + names.get(0) + "'");
        return String.join(" || ", branches);
    }

    private static String routeJobWorkflow(RepositoryConfig repository, Options options) {
        int instances = repository.instances();
        List<String> lines = new ArrayList<>(List.of(
                "# Routes " + repository.fullName() + "'s runs to its " + instances + " arcfleet runner set"
                        + (instances == 1 ? "" : "s") + ". The route job picks",
                "# set n mod " + instances + " + 1 for issue or pull request n, so all work on one issue lands on"
                        + " the same set,",
                "# and routes other runs by the key " + options.fallbackKey() + ". The work job runs on the"
                        + " picked set.",
                "name: arcfleet routed work",
                ON,
                "permissions:",
                "  contents: read",
                "jobs:",
                "  route:",
                "    runs-on: " + options.routeRunsOn(),
                "    outputs:",
                "      runner: ${{ steps.route.outputs.runner }}",
                "    steps:",
                "      - id: route",
                "        shell: bash",
                // Untrusted values such as branch names reach the script only as environment variables.
                "        env:",
                "          ROUTE_NUMBER: ${{ " + NUMBER_EXPRESSION + " }}",
                "          ROUTE_KEY: ${{ " + options.fallbackKey() + " }}",
                "        run: |"));
        routeScript(repository).lines().map(line -> "          " + line).forEach(lines::add);
        lines.addAll(List.of(
                "  work:",
                "    needs: route",
                "    runs-on: ${{ needs.route.outputs.runner }}",
                "    steps:",
                "      - uses: actions/checkout@v4",
                "      - run: echo \"Running on $RUNNER_NAME\"",
                ""));
        return String.join("\n", lines);
    }

    /** {@link RoutingRule} in POSIX shell; reads ROUTE_NUMBER and ROUTE_KEY, writes runner to GITHUB_OUTPUT. */
    private static String routeScript(RepositoryConfig repository) {
        List<String> names = setNames(repository);
        String cases = IntStream.rangeClosed(1, names.size())
                .mapToObj(instance -> "  " + instance + ") runner=" + names.get(instance - 1) + " ;;")
                .collect(Collectors.joining("\n"));
        return """
                # arcfleet's RoutingRule. Only digits and hex reach the log: the key may be a branch name.
                if [ -n "$ROUTE_NUMBER" ]; then
                  key=$ROUTE_NUMBER
                else
                  key=$ROUTE_KEY
                fi
                case $key in
                  '' | *[!0123456789]*)
                    hex=$(printf '%s' "$key" | sha256sum | cut -c1-@HEX_DIGITS@)
                    remainder=$(( 0x$hex % @INSTANCES@ ))
                    how="key is not all digits: SHA-256 starts $hex, mod @INSTANCES@ = $remainder"
                    ;;
                  *)
                    # Digit by digit: no overflow for long keys, and leading zeros are not read as octal.
                    remainder=0
                    rest=$key
                    while [ -n "$rest" ]; do
                      digit=${rest%"${rest#?}"}
                      rest=${rest#?}
                      remainder=$(( (remainder * 10 + digit) % @INSTANCES@ ))
                    done
                    how="$key mod @INSTANCES@ = $remainder"
                    ;;
                esac
                instance=$(( remainder + 1 ))
                case $instance in
                @CASES@
                esac
                echo "$how, + 1 → instance $instance: $runner"
                echo "runner=$runner" >> "$GITHUB_OUTPUT"
                """
                .replace("@HEX_DIGITS@", Integer.toString(RoutingRule.HASH_HEX_DIGITS))
                .replace("@INSTANCES@", Integer.toString(repository.instances()))
                .replace("@CASES@", cases);
    }

    /** Index i holds instance i + 1; names come only from {@link RepositoryConfig#runnerSets()}. */
    private static List<String> setNames(RepositoryConfig repository) {
        return repository.runnerSets().stream()
                .sorted(Comparator.comparingInt(RunnerSet::instance))
                .map(RunnerSet::name)
                .toList();
    }
}
