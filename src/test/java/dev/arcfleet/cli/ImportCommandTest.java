package dev.arcfleet.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.HelmReleases;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/** {@code arcfleet import} in both modes: `helm get values` files offline, or the Helm-made sets of a cluster. */
@QuarkusMainTest
@TestProfile(CommandLineTest.Quiet.class)
class ImportCommandTest {

    private static final String TOOLS_VALUES = """
            USER-SUPPLIED VALUES:
            githubConfigUrl: https://github.com/acme/tools
            githubConfigSecret:
              github_token: ghp_neverPrinted
            maxRunners: 2
            containerMode:
              type: kubernetes
              kubernetesModeWorkVolumeClaim:
                accessModes: ["ReadWriteOnce"]
                resources: {requests: {storage: 5Gi}}
            template:
              spec:
                nodeSelector: {kubernetes.io/os: linux}
            """;

    @Test
    void valuesFilesBecomeRepositoriesTheDaemonAccepts(QuarkusMainLauncher launcher, @TempDir Path directory)
            throws IOException, InvalidFleetConfigException {
        Path tools1 = Files.writeString(directory.resolve("arc-runner-acme-tools-1.yaml"), TOOLS_VALUES);
        Path tools2 = Files.writeString(directory.resolve("arc-runner-acme-tools-2.yaml"), TOOLS_VALUES);
        Path web = Files.writeString(directory.resolve("arc-runner-acme-web-1.yaml"), """
                githubConfigUrl: https://github.com/acme/web
                githubConfigSecret: web-github
                maxRunners: 3
                containerMode: {type: dind}
                keyVault: {type: azure_key_vault}
                """);

        LaunchResult result = launcher.launch("import", "-f", tools1.toString(), "-f", tools2.toString(), "-f", web.toString());

        assertEquals(0, result.exitCode(), result.getErrorOutput());
        FleetConfig imported = new FleetConfigParser().parse(CommandLineTest.commandOutput(result));
        assertEquals(List.of("arc-runner-acme-tools-1", "arc-runner-acme-tools-2", "arc-runner-acme-web-1"),
                imported.runnerSets().stream().map(RunnerSet::name).toList());
        assertThat(CommandLineTest.commandOutput(result), containsString("\n  instances: 2\n"));
        assertThat(result.getErrorOutput(), containsString("arc-runner-acme-web-1: not imported: keyVault"));
        assertThat(result.getErrorOutput(), containsString("arc-runner-acme-tools-1: to do: githubConfigSecret"));
        assertThat(result.getOutput() + result.getErrorOutput(), not(containsString("ghp_neverPrinted")));
    }

    @Test
    void theHelmMadeSetsOfAClusterBecomeRepositoriesWithAHandOverReport(QuarkusMainLauncher launcher)
            throws InvalidFleetConfigException {
        try (FleetFixture fleet = FleetFixture.create("import")) {
            HelmReleases.install(fleet, "kubernetes-mode-release.yaml", "arc-runner-acme-tools-1", HelmReleases.KUBERNETES_MODE_VALUES);
            HelmReleases.install(fleet, "kubernetes-mode-release.yaml", "arc-runner-acme-tools-2", HelmReleases.KUBERNETES_MODE_VALUES);
            HelmReleases.install(fleet, "dind-mode-release.yaml", "arc-runner-acme-web-1", HelmReleases.DIND_MODE_VALUES);
            Poll.until(FleetFixture.TIMEOUT, "the Helm-made sets", () -> fleet.runnerSets().inNamespace(fleet.namespace)
                    .list().getItems().size() == 3);

            LaunchResult result = RenderMatchesDaemonTest.launchAgainst(TestApiServer.kubeconfig(), () -> launcher.launch(
                    "import", "-n", fleet.namespace, "--arc-version", FleetFixture.ARC_VERSION));

            assertEquals(0, result.exitCode(), result.getErrorOutput());
            assertThat(result.getErrorOutput(), containsString("Read 3 Helm-made sets in namespace " + fleet.namespace));
            assertEquals(List.of("arc-runner-acme-tools-1", "arc-runner-acme-tools-2", "arc-runner-acme-web-1"),
                    new FleetConfigParser().parse(CommandLineTest.commandOutput(result)).runnerSets().stream()
                            .map(RunnerSet::name).toList());
            assertThat(result.getErrorOutput(), containsString("arc-runner-acme-tools-1: changes on hand over:"
                    + " ConfigMap/arc-runner-acme-tools-1-hook-template (created: Helm made no such object)"));
            assertThat(result.getErrorOutput(), containsString("arcfleet.namespace: to do: arcfleet.namespace"));
        }
    }

    @Test
    void withoutValuesFilesOrAClusterItSaysWhatToGive(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch("import");

        assertEquals(2, result.exitCode());
        assertThat(result.getErrorOutput(), containsString("give -f"));
    }
}
