package dev.arcfleet.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.HelmReleases;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.TaintBuilder;
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

        LaunchResult result = launcher.launch("import", "-n", "ci-runners", "-f", tools1.toString(), "-f", tools2.toString(),
                "-f", web.toString());

        assertEquals(0, result.exitCode(), result.getErrorOutput());
        FleetConfig imported = new FleetConfigParser().parse(CommandLineTest.commandOutput(result));
        assertEquals(List.of("arc-runner-acme-tools-1", "arc-runner-acme-tools-2", "arc-runner-acme-web-1"),
                imported.runnerSets().stream().map(RunnerSet::name).toList());
        assertThat(CommandLineTest.commandOutput(result), containsString("\n  instances: 2\n"));
        assertThat(result.getErrorOutput(), containsString("arc-runner-acme-web-1: not imported: keyVault"));
        assertThat(result.getErrorOutput(), containsString("arc-runner-acme-tools-1: to do: githubConfigSecret"));
        assertThat(result.getOutput() + result.getErrorOutput(), not(containsString("ghp_neverPrinted")));
        assertThat(result.getErrorOutput(), containsString("arc-runner-acme-web-1: to do: githubConfigSecret (arcfleet reads"
                + " Secret web-github from namespace arc-runners (arcfleet.namespace, as outside a cluster;"));
        assertThat(result.getErrorOutput(), containsString("not the release's in ci-runners; copy it there first: kubectl -n"
                + " ci-runners get secret web-github -o json | jq '{apiVersion, kind, type, data, metadata: {name:"
                + " .metadata.name}}' | kubectl -n arc-runners apply -f -)"));
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

    /**
     * Three releases stored as Helm stores them: ARC's quickstart name {@code arc-runner-set}, a set numbered from 0,
     * and one installed with {@code -n <elsewhere> --set namespaceOverride=<runner namespace>} for a whole
     * organisation. Import reads each record, in every namespace, says where each value came from, and prints the
     * commands that end Helm's ownership, records and all, wherever they are.
     */
    @Test
    void releaseRecordsAreReadInEveryNamespaceAndTheirOwnershipEndedThere(QuarkusMainLauncher launcher)
            throws IOException, InvalidFleetConfigException {
        try (FleetFixture fleet = FleetFixture.create("import-records")) {
            String elsewhere = TestApiServer.freshNamespace(fleet.client, "helm-releases");
            HelmReleases.install(fleet, "kubernetes-mode-release.yaml", "arc-runner-set", HelmReleases.KUBERNETES_MODE_VALUES);
            HelmReleases.install(fleet, "dind-mode-release.yaml", "arc-runner-acme-web-0", HelmReleases.DIND_MODE_VALUES);
            HelmReleases.install(fleet, "dind-mode-release.yaml", "arc-runner-acme", HelmReleases.DIND_MODE_VALUES
                    .replace("https://github.com/acme/web", "https://github.com/acme"),
                    elsewhere);
            Poll.until(FleetFixture.TIMEOUT, "the Helm-made sets", () -> fleet.runnerSets().inNamespace(fleet.namespace)
                    .list().getItems().size() == 3);

            LaunchResult result = RenderMatchesDaemonTest.launchAgainst(TestApiServer.kubeconfig(), () -> launcher.launch(
                    "import", "-n", fleet.namespace, "--arc-version", FleetFixture.ARC_VERSION));
            Files.writeString(Path.of("target", "import-of-release-records.txt"), "$ arcfleet import -n " + fleet.namespace
                    + "\n" + result.getOutput() + "\n--- stderr:\n" + result.getErrorOutput() + "\n");

            assertEquals(0, result.exitCode(), result.getErrorOutput());
            assertEquals(List.of("arc-runner-acme", "arc-runner-acme-web-0", "arc-runner-set"), new FleetConfigParser()
                    .parse(CommandLineTest.commandOutput(result)).runnerSets().stream().map(RunnerSet::name).sorted().toList(),
                    "every set keeps its name");
            String report = result.getErrorOutput();
            List<String> commands = report.lines().map(String::strip).filter(line -> line.startsWith("kubectl ")).toList();
            assertThat(report, containsString("Read 3 Helm-made sets in namespace " + fleet.namespace + " and 3 Helm release"
                    + " records"));
            for (String release : List.of("arc-runner-set", "arc-runner-acme-web-0")) {
                assertThat(report, containsString(release + ": values from: release " + release + " (namespace "
                        + fleet.namespace + ", revision 1, chart gha-runner-scale-set 0.13.0, record sh.helm.release.v1."
                        + release + ".v1)"));
                assertTrue(commands.contains("kubectl -n " + fleet.namespace + " delete secret -l owner=helm,name=" + release),
                        report);
            }
            assertThat(report, containsString("arc-runner-acme: values from: release arc-runner-acme (namespace " + elsewhere));
            assertTrue(commands.contains("kubectl -n " + elsewhere + " delete secret -l owner=helm,name=arc-runner-acme"), report);
            assertTrue(commands.contains("kubectl -n " + fleet.namespace + " annotate autoscalingrunnersets,serviceaccounts,"
                    + "roles,rolebindings,secrets -l actions.github.com/scale-set-name=arc-runner-acme"
                    + " meta.helm.sh/release-name- meta.helm.sh/release-namespace-"), report);
            assertEquals(List.of(), report.lines().map(String::strip).filter(line -> line.startsWith("helm ")).toList(),
                    "no helm command: `helm uninstall` deletes the set");
            assertThat(result.getOutput() + report, not(containsString("ghp_helm_token")));
            // Each release's claim comes before Helm forgets it.
            for (String release : List.of("arc-runner-set", "arc-runner-acme-web-0", "arc-runner-acme")) {
                int claim = commands.indexOf("kubectl -n " + fleet.namespace + " label autoscalingrunnersets,serviceaccounts,"
                        + "roles,rolebindings,secrets -l actions.github.com/scale-set-name=" + release
                        + ",app.kubernetes.io/managed-by=Helm helm.sh/chart- app.kubernetes.io/managed-by=arcfleet --overwrite");
                int forget = commands.indexOf("kubectl -n " + (release.equals("arc-runner-acme") ? elsewhere : fleet.namespace)
                        + " delete secret -l owner=helm,name=" + release);
                assertTrue(claim >= 0 && claim < forget, release + ":\n" + report);
            }
        }
    }

    @Test
    void cacheVolumeClaimPutsAClaimIntoDefaults(QuarkusMainLauncher launcher, @TempDir Path directory)
            throws IOException, InvalidFleetConfigException {
        Path tools = Files.writeString(directory.resolve("arc-runner-acme-tools-1.yaml"), TOOLS_VALUES);

        LaunchResult result = launcher.launch("import", "-f", tools.toString(), "--cache-volume", "persistentVolumeClaim",
                "--cache-storage", "20Gi", "--cache-storage-class", "standard");

        assertEquals(0, result.exitCode(), result.getErrorOutput());
        FleetConfig imported = new FleetConfigParser().parse(CommandLineTest.commandOutput(result));
        assertEquals(new RepositoryConfig.CacheVolume.Claim(java.util.Optional.of("standard"), List.of("ReadWriteOnce"), "20Gi"),
                imported.repositories().get(0).cacheVolume());
        assertThat(CommandLineTest.commandOutput(result), containsString("defaults:\n  cacheVolume:\n"));

        LaunchResult unknown = launcher.launch("import", "-f", tools.toString(), "--cache-volume", "emptyDir");
        assertEquals(2, unknown.exitCode());
        assertThat(unknown.getErrorOutput(), containsString("--cache-volume must be hostPath or persistentVolumeClaim"));
        LaunchResult badSize = launcher.launch("import", "-f", tools.toString(), "--cache-volume", "persistentVolumeClaim",
                "--cache-storage", "lots");
        assertEquals(2, badSize.exitCode());
        assertThat(badSize.getErrorOutput(), containsString("defaults: cacheVolume.storage: must be a positive Kubernetes"));
    }

    @Test
    void onAClusterOfSeveralNodesHostPathCachesAreWarnedAbout(QuarkusMainLauncher launcher) {
        try (FleetFixture fleet = FleetFixture.create("import-nodes")) {
            HelmReleases.install(fleet, "kubernetes-mode-release.yaml", "arc-runner-acme-tools-1",
                    HelmReleases.KUBERNETES_MODE_VALUES);
            Poll.until(FleetFixture.TIMEOUT, "the Helm-made set", () -> fleet.runnerSets().inNamespace(fleet.namespace)
                    .list().getItems().size() == 1);
            List<Node> nodes = new java.util.ArrayList<>();
            try {
                for (String name : List.of("worker", "worker2", "control-plane")) {
                    nodes.add(fleet.client.nodes().resource(new NodeBuilder().withNewMetadata().withName(fleet.namespace + "-"
                            + name).endMetadata().withNewSpec().withTaints(name.equals("control-plane")
                                    ? List.of(new TaintBuilder().withKey("node-role.kubernetes.io/control-plane")
                                            .withEffect("NoSchedule").build())
                                    : List.of()).endSpec().build()).create());
                }

                LaunchResult hostPath = RenderMatchesDaemonTest.launchAgainst(TestApiServer.kubeconfig(), () -> launcher.launch(
                        "import", "-n", fleet.namespace, "--arc-version", FleetFixture.ARC_VERSION));
                LaunchResult claims = RenderMatchesDaemonTest.launchAgainst(TestApiServer.kubeconfig(), () -> launcher.launch(
                        "import", "-n", fleet.namespace, "--arc-version", FleetFixture.ARC_VERSION,
                        "--cache-volume", "persistentVolumeClaim"));

                assertEquals(0, hostPath.exitCode(), hostPath.getErrorOutput());
                assertThat(hostPath.getErrorOutput(), containsString("cacheVolume: to do: cacheVolume (the cluster has 2"
                        + " schedulable nodes, and hostPath caches are node-local"));
                assertEquals(0, claims.exitCode(), claims.getErrorOutput());
                assertThat(claims.getErrorOutput(), not(containsString("schedulable nodes")));
            } finally {
                nodes.forEach(node -> fleet.client.resource(node).delete());
            }
        }
    }

    @Test
    void withoutValuesFilesOrAClusterItSaysWhatToGive(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch("import");

        assertEquals(2, result.exitCode());
        assertThat(result.getErrorOutput(), containsString("give -f"));
    }
}
