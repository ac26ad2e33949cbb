package dev.arcfleet.cli;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesRegex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.DaemonTestResource;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import picocli.CommandLine;

/** {@code arcfleet status} against a running daemon: the command line as the binary builds it, over HTTP. */
@QuarkusTest
@QuarkusTestResource(value = StatusCommandTest.OneSetAtATime.class, restrictToAnnotatedClass = true)
class StatusCommandTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String SET = "arc-runner-rkoster-rubionic-workspace-1";

    /** The daemon of the other HTTP tests, applying one set at a time, so that a cycle of many sets lasts seconds. */
    public static class OneSetAtATime extends DaemonTestResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> settings = new HashMap<>(super.start());
            settings.put("arcfleet.reconcile.parallelism", "1");
            return settings;
        }
    }

    @Inject
    CommandLine.IFactory factory;

    @Inject
    Daemon loop;

    @Inject
    KubernetesClient client;

    @ConfigProperty(name = "arcfleet.namespace")
    String namespace;

    @ConfigProperty(name = "arcfleet.arc.controller-namespace")
    String controllerNamespace;

    @TestHTTPResource("/")
    URL daemon;

    record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void startDaemonAndAwaitReady() {
        loop.start();
        Poll.until(TIMEOUT, "readiness", () -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void tableShowsEverySetAndExitsZeroWhenAllAreReady() {
        Run run = status();

        assertEquals(0, run.exitCode(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0), matchesRegex(
                "REPOSITORY +SET +STATE +RUNNERS +LISTENER +CACHE +LAST APPLIED +DETAIL"));
        assertThat(lines.get(1), matchesRegex("rkoster/rubionic-workspace +" + SET + " +ready .*"));
        // No runners column from ARC until its controller writes the set's status; the stand-in never does. The cache
        // is unmeasured (-) or empty: its directories' own blocks, since usage counts allocated blocks.
        assertThat(lines.get(2), matchesRegex(
                "rkoster/rubionic-workspace +arc-runner-rkoster-rubionic-workspace-2 +ready +-/1 +no +(-|0|[0-9]+Ki) +[0-9hms]+ +in sync"));
        assertThat(lines.get(3), matchesRegex("acme/tools +arc-runner-acme-tools-1 +ready .*"));
        assertEquals("", lines.get(4));
        assertThat(lines.get(5), matchesRegex("Last cycle: \\d+s ago, took \\d+ ms, succeeded"));
        assertEquals(List.of("Configuration: valid", "ARC controller: 0.13.0"), lines.subList(6, 8));
        // Sets another test removed may stay in deletion here: the ARC controller that would finish it was stopped.
        assertTrue(lines.size() == 8 || lines.size() == 9 && lines.get(8).startsWith("Pruning: "), run::out);
        assertEquals("", run.err());
    }

    @Test
    void jsonAndYamlAreTheDaemonsStatus() throws Exception {
        Run json = status("-o", "json");
        Run yaml = status("-o", "yaml");
        JsonNode fromApi = new ObjectMapper().readTree(given().get("/api/v1/status").then().statusCode(200).extract().asString());

        assertEquals(0, json.exitCode(), json::toString);
        assertEquals(0, yaml.exitCode(), yaml::toString);
        JsonNode fromJson = new ObjectMapper().readTree(json.out());
        JsonNode fromYaml = new YAMLMapper().readTree(yaml.out());
        // The repositories and their sets do not change between idle cycles; the global part has each cycle's time.
        assertEquals(fromApi.path("repositories"), fromJson.path("repositories"));
        assertEquals(fromApi.path("repositories"), fromYaml.path("repositories"));
        assertEquals(3, fromJson.path("repositories").findValues("sets").stream().mapToInt(JsonNode::size).sum());
        assertTrue(fromJson.path("global").path("lastCycleSucceeded").asBoolean(), json::out);
        assertTrue(fromYaml.path("global").path("configValid").asBoolean(), yaml::out);
    }

    @Test
    void wideShowsArcsRunnerCounts() {
        client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(SET)
                .editStatus(set -> {
                    set.setAdditionalProperty("status", Map.of("currentRunners", 1, "pendingEphemeralRunners", 0,
                            "runningEphemeralRunners", 1, "failedEphemeralRunners", 0, "phase", "Running"));
                    return set;
                });

        Run run = Poll.until(TIMEOUT, "ARC's status in the wide table", () -> status("-o", "wide"),
                result -> result.out().contains(" Running "));

        assertEquals(0, run.exitCode(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0), matchesRegex("REPOSITORY +SET +NAMESPACE +STATE +RUNNERS +PENDING +RUNNING +FAILED +PHASE +LISTENER +CACHE "
                + "+FILES +LAST APPLIED +DETAIL"));
        assertThat(lines.get(1), matchesRegex("rkoster/rubionic-workspace +" + SET + " +" + namespace + " +ready +1/1 +0 +1 +0 +Running +- .*"));
        assertThat(lines.get(2), matchesRegex(".* +" + namespace + " +ready +-/1 +- +- +- +- +- .*"));
    }

    @Test
    void exitsOneWhileASetIsNotReadyAndShowsWhy() {
        client.resource(ArcFixtures.helmMadeRunnerSet(namespace, "arc-runner-acme-blocked-1")).create();
        client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES + "  - name: acme/blocked\n"))
                .forceConflicts().serverSideApply();
        try {
            // The set's own row: a progress line of the cycle still running may already count the conflict.
            Run run = Poll.until(TIMEOUT, "the conflict in the table", this::status, result -> result.out().lines()
                    .anyMatch(line -> line.startsWith("acme/blocked ") && line.contains(" conflict ")));

            assertEquals(StatusCommand.NOT_READY, run.exitCode(), run::toString);
            String row = run.out().lines().filter(line -> line.startsWith("acme/blocked ")).findFirst().orElseThrow();
            assertThat(row, matchesRegex("acme/blocked +arc-runner-acme-blocked-1 +conflict +-/1 +no +(-|0|[0-9]+Ki) +- +"
                    + "not managed by arcfleet, left untouched: AutoscalingRunne\\.\\.\\."));
            assertThat(run.out(), containsString("Last cycle: "));
            assertThat(run.out(), containsString("failed: arc-runner-acme-blocked-1: not managed by arcfleet"));
            assertThat(status("-o", "wide").out(), containsString("(add label app.kubernetes.io/managed-by=arcfleet"));
            assertEquals(StatusCommand.NOT_READY, status("-o", "json").exitCode());
        } finally {
            client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES)).forceConflicts()
                    .serverSideApply();
            client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace)
                    .withName("arc-runner-acme-blocked-1").delete();
        }
        Poll.until(TIMEOUT, "exit code 0 again", () -> status().exitCode() == 0);
    }

    @Test
    void exitsThreeWhenNoDaemonAnswers() {
        Run run = run("status", "--url", "http://localhost:1");

        assertEquals(StatusCommand.UNREADABLE, run.exitCode(), run::toString);
        assertThat(run.err(), containsString("cannot read the status from http://localhost:1"));
        assertEquals("", run.out());
    }

    /** A cycle of 100 new sets, one at a time, shows its progress in the table, the status and readiness. */
    @Test
    void longCycleShowsItsProgress() {
        // ARC takes each new set over (its finalizer), then stops: the removed sets below stay in deletion.
        ArcControllerStandIn arc = new ArcControllerStandIn(FleetFixture.ARC_VERSION, namespace, controllerNamespace).start();
        client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES
                + "  - name: acme/many\n    instances: 100\n")).forceConflicts().serverSideApply();
        try {
            Run run = Poll.until(TIMEOUT, "progress in the table", this::status,
                    result -> result.out().contains("Cycle in progress: applied "));
            assertThat(run.out(), matchesRegex("(?s).*\nCycle in progress: applied \\d+/10[0-3] sets.* \\(for \\d+s\\)\n.*"));
            assertEquals(StatusCommand.NOT_READY, run.exitCode(), run::toString);

            JsonPath status = Poll.until(TIMEOUT, "progress in /api/v1/status",
                    () -> given().get("/api/v1/status").then().statusCode(200).extract().jsonPath(),
                    json -> json.get("global.progress") != null);
            assertTrue(status.getInt("global.progress.total") >= 100, status::prettify);
            assertTrue(status.getInt("global.progress.applied") < status.getInt("global.progress.total"), status::prettify);

            String inProgress = Poll.until(TIMEOUT, "progress in readiness",
                    () -> given().get("/q/health/ready").then().extract().jsonPath()
                            .getString("checks.find { it.name == 'reconcile' }.data.cycleInProgress"),
                    value -> value != null);
            assertThat(inProgress, matchesRegex("applied \\d+/10[0-3] sets.*"));
            Poll.until(TIMEOUT, "ARC's finalizer on every new set", () -> client.genericKubernetesResources(
                    ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).list().getItems().stream()
                    .filter(set -> set.getMetadata().getName().startsWith("arc-runner-acme-many-"))
                    .filter(set -> set.getMetadata().getFinalizers().contains(ArcControllerStandIn.FINALIZER)).count() == 100);
        } finally {
            arc.close();
            // The other tests of this daemon expect no listener: the controller that ran them is gone.
            client.genericKubernetesResources(ArcApi.AUTOSCALING_LISTENERS).inNamespace(controllerNamespace).delete();
            client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES)).forceConflicts()
                    .serverSideApply();
        }
        Poll.until(TIMEOUT, "exit code 0 again", () -> status().exitCode() == 0);
        // Held by ARC's finalizer: the controller that would deregister them has stopped.
        Run pruning = Poll.until(TIMEOUT, "every removed set being pruned", this::status,
                result -> result.out().contains(" and 95 more\n"));
        assertThat(pruning.out(), containsString("\nPruning: arc-runner-acme-many-1, arc-runner-acme-many-10, "
                + "arc-runner-acme-many-100, arc-runner-acme-many-11, arc-runner-acme-many-12 and 95 more\n"));
    }

    private Run status(String... options) {
        List<String> arguments = new ArrayList<>(List.of("status", "--url", daemon.toString()));
        arguments.addAll(List.of(options));
        return run(arguments.toArray(String[]::new));
    }

    /** What ArcfleetMain does with arguments. */
    private Run run(String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = new CommandLine(ArcfleetCommand.class, factory).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(arguments);
        return new Run(exitCode, out.toString(), err.toString());
    }
}
