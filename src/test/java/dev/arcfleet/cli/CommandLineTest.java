package dev.arcfleet.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

@QuarkusMainTest
@TestProfile(CommandLineTest.Quiet.class)
class CommandLineTest {

    /** What the binary's main sets for commands: their output is the point, not startup logs. */
    public static class Quiet implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.level", "WARN", "quarkus.log.console.stderr", "true");
        }
    }

    /**
     * What the command printed. The launcher also captures the JVM's console log, and a second start of Quarkus in
     * one JVM logs a warning about a metrics gauge registered twice, which a real single run never logs.
     */
    static String commandOutput(LaunchResult result) {
        return result.getOutput().replaceAll("(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ WARN .*\\R", "");
    }

    static final String VALID = """
            repositories:
              - name: rkoster/rubionic-workspace
                instances: 3
              - name: acme/tools
                containerMode: dind
            """;

    @TempDir
    Path directory;

    @Test
    void validFileValidates(QuarkusMainLauncher launcher) throws IOException {
        LaunchResult result = launcher.launch("validate", "-f", write(VALID).toString());

        assertEquals(0, result.exitCode());
        assertThat(result.getOutput(), containsString("is valid: 2 repositories, 4 runner sets"));
    }

    /** Valid, with a notice: the Secret is not read where the chart read it from. */
    @Test
    void validateSaysWhereAGithubConfigSecretIsReadFrom(QuarkusMainLauncher launcher) throws IOException {
        LaunchResult result = launcher.launch("validate", "-f",
                write("repositories:\n  - name: acme/web\n    githubConfigSecret: web-creds\n").toString());

        assertEquals(0, result.exitCode(), result.getErrorOutput());
        // Outside a cluster and without arcfleet.github.credentials-namespace, as in this test.
        assertThat(result.getOutput(), containsString("notice: acme/web: githubConfigSecret web-creds is read from namespace"
                + " arc-runners (arcfleet.namespace, as outside a cluster; a daemon in a cluster reads the namespace it runs"
                + " in (arcfleet with deploy/kubernetes) unless arcfleet.github.credentials-namespace is set)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "repositories: [ {name: acme/tools",
        "repositories:\n  - name: acme/tools\n    maxRunner: 2\n",
        "repositories:\n  - name: acme/tools\n  - name: ACME/tools\n",
        "repositories:\n  - name: acme/tools\n    instances: 0\n",
        "repositories:\n  - name: acme/tools\n    minRunners: 2\n",
        "repositories:\n  - name: acme/tools\n    containerMode: docker\n",
        "repositories:\n  - name: acme/tools\n    workVolumeClaimTemplate: {storage: 10 Gi}\n",
        "repositories:\n  - name: not-a-repository\n",
        "defaults: {instances: 2}\n",
    })
    void invalidFileFailsWithTheDaemonsMessages(String yaml, QuarkusMainLauncher launcher) throws IOException {
        InvalidFleetConfigException daemonSays = assertThrows(InvalidFleetConfigException.class,
                () -> new FleetConfigParser().parse(yaml));

        LaunchResult result = launcher.launch("validate", "-f", write(yaml).toString());

        assertNotEquals(0, result.exitCode());
        for (String problem : daemonSays.problems()) {
            assertThat(result.getErrorOutput(), containsString(problem));
        }
    }

    @Test
    void validateWithAnArcVersionNamesValuesItDoesNotSupport(QuarkusMainLauncher launcher) throws IOException {
        Path file = write("repositories:\n  - name: acme/tools\n    runnerScaleSetLabels: [gpu]\n");

        LaunchResult old = launcher.launch("validate", "-f", file.toString(), "--arc-version", "0.13.1");
        LaunchResult current = launcher.launch("validate", "-f", file.toString(), "--arc-version", "0.14.0");

        assertEquals(1, old.exitCode());
        assertThat(old.getErrorOutput(), containsString("runnerScaleSetLabels (spec.runnerScaleSetLabels) needs ARC 0.14"));
        assertEquals(0, current.exitCode(), current.getErrorOutput());
    }

    @Test
    void renderRefusesValuesTheGivenVersionDoesNotSupport(QuarkusMainLauncher launcher) throws IOException {
        LaunchResult result = launcher.launch("render", "-f",
                write("repositories:\n  - name: acme/tools\n    runnerScaleSetLabels: [gpu]\n").toString(),
                "--arc-version", "0.13.0");

        assertEquals(1, result.exitCode());
        assertThat(result.getErrorOutput(), containsString("needs ARC 0.14 or later"));
        assertEquals("", result.getOutput());
    }

    @Test
    void routePrintsTheSetAndTheDerivation(QuarkusMainLauncher launcher) throws IOException {
        LaunchResult result = launcher.launch("route", "rkoster/rubionic-workspace", "124", "-f", write(VALID).toString());

        assertEquals(0, result.exitCode());
        assertThat(result.getOutput(), containsString("arc-runner-rkoster-rubionic-workspace-2"));
        assertThat(result.getOutput(), containsString("124 mod 3 = 1, + 1"));
    }

    @Test
    void workflowPrintsTheRouteJob(QuarkusMainLauncher launcher) throws IOException {
        LaunchResult result = launcher.launch("workflow", "rkoster/rubionic-workspace", "-f", write(VALID).toString());

        assertEquals(0, result.exitCode());
        assertThat(result.getOutput(), containsString("runs-on: ${{ needs.route.outputs.runner }}"));
        assertThat(result.getOutput(), containsString("No single runs-on expression for 3 instances"));
    }

    @Test
    void renderWithoutAVersionSaysWhatIsMissing(QuarkusMainLauncher launcher) throws IOException {
        LaunchResult result = launcher.launch("render", "-f", write(VALID).toString());

        assertEquals(2, result.exitCode());
        assertThat(result.getErrorOutput(), containsString("give --arc-version"));
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(Files.createTempFile(directory, "repositories", ".yaml"), yaml);
    }
}
