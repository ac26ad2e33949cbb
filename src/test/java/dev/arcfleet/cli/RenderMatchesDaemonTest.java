package dev.arcfleet.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * What {@code arcfleet render} prints is what the daemon applies for the same file, object for object, chart values
 * included; without {@code --arc-version} it reads the controller's version from the cluster, as the daemon does.
 */
@QuarkusMainTest
@TestProfile(CommandLineTest.Quiet.class)
class RenderMatchesDaemonTest {

    private static final String HASH = "arcfleet.dev/desired-hash";

    @Test
    void renderedObjectsEqualAppliedObjects(QuarkusMainLauncher launcher, @TempDir Path directory) throws IOException {
        String yaml = """
                repositories:
                  - name: rkoster/rubionic-workspace
                    instances: 2
                    cachePaths: [{name: nix, path: /nix}]
                    labels: {team: ci}
                    annotations: {example.com/owner: "ci@example.com"}
                    kubernetesModeAdditionalRoleRules: [{apiGroups: [""], resources: [pods/log], verbs: [get]}]
                    template:
                      metadata: {annotations: {karpenter.sh/do-not-disrupt: "true"}}
                      spec:
                        nodeSelector: {kubernetes.io/os: linux}
                        containers:
                          - name: runner
                            resources: {requests: {cpu: 500m}}
                            env: [{name: RUNNER_GRACEFUL_STOP_TIMEOUT, value: "60"}]
                          - {name: sidecar, image: busybox, command: [sleep, infinity]}
                    listenerTemplate: {spec: {containers: [{name: listener, resources: {limits: {memory: 128Mi}}}]}}
                    listenerMetrics: {counters: {gha_started_jobs_total: {labels: [repository]}}}
                  - name: acme/tools
                    containerMode: dind
                    runnerGroup: builders
                    dind: {image: "docker:27-dind"}
                    githubServerTLS:
                      certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}
                      runnerMountPath: /usr/local/share/ca-certificates
                    proxy: {https: {url: "http://proxy.example.com:3128", credentialSecretRef: proxy-auth}, noProxy: [example.com]}
                    resourceMeta: {noPermissionServiceAccount: {annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::1:role/ci"}}}
                  - name: acme/web
                    containerMode: kubernetes-novolume
                    githubConfigUrl: https://github.com/acme
                    template: {spec: {serviceAccountName: web-runner}}
                  - name: acme/plain
                    containerMode: none
                    template: {spec: {containers: [{name: runner, args: ["--once"]}]}}
                """;
        Path file = Files.writeString(directory.resolve("repositories.yaml"), yaml);
        try (FleetFixture fleet = FleetFixture.inDefaultNamespaces()) {
            fleet.writeRepositories(yaml);
            FleetFixture.Converged converged = fleet.converge();
            assertEquals(List.of(), converged.last().sets().stream()
                    .filter(set -> set.state() != dev.arcfleet.status.SetStatus.State.READY).toList());

            // No --arc-version: the version and the Kubernetes version (1.20, which decides how dind is
            // rendered) come from the cluster, as the daemon reads them.
            LaunchResult result = launchAgainst(TestApiServer.kubeconfig(), () -> launcher.launch("render", "-f", file.toString()));

            assertEquals(0, result.exitCode(), result.getErrorOutput());
            assertThat(result.getErrorOutput(), containsString("Read from the cluster at "));
            assertThat(result.getErrorOutput(), containsString("ARC controller " + FleetFixture.ARC_VERSION));
            assertThat(result.getErrorOutput(), containsString("Kubernetes 1.20"));
            // kubectl's style: strings are quoted only where YAML would read them as something else.
            assertThat(result.getOutput(), containsString("\nkind: ServiceAccount\n"));
            assertThat(result.getOutput(), containsString("app.kubernetes.io/version: 0.13.0\n"));
            assertThat(result.getOutput(), containsString("value: \"60\""));
            assertThat(result.getOutput(), containsString("karpenter.sh/do-not-disrupt: \"true\""));
            assertThat(result.getOutput(), not(containsString("kind: \"")));

            List<HasMetadata> rendered = fleet.client.load(new ByteArrayInputStream(
                    CommandLineTest.commandOutput(result).getBytes(StandardCharsets.UTF_8))).items();
            Map<String, String> renderedHashes = rendered.stream().collect(Collectors.toMap(
                    object -> object.getKind() + "/" + object.getMetadata().getName(),
                    object -> object.getMetadata().getAnnotations().get(HASH)));
            Map<String, String> appliedHashes = Arrays.stream(ManagedKind.values())
                    .filter(kind -> kind != ManagedKind.SECRET)
                    .flatMap(kind -> fleet.cache().all(kind))
                    .filter(object -> object.getMetadata().getAnnotations() != null
                            && object.getMetadata().getAnnotations().containsKey(HASH))
                    .collect(Collectors.toMap(object -> object.getKind() + "/" + object.getMetadata().getName(),
                            object -> object.getMetadata().getAnnotations().get(HASH)));

            // kubernetes: 2 sets × (ServiceAccount, 2 Roles, 2 RoleBindings, hook ConfigMap, set);
            // dind and none: 2 sets × (ServiceAccount, Role, RoleBinding, set);
            // kubernetes-novolume with the user's ServiceAccount: Role, RoleBinding, hook ConfigMap, set.
            // Secrets are not printed.
            assertEquals(2 * 7 + 2 * 4 + 4, renderedHashes.size(), renderedHashes.keySet().toString());
            // The hash covers every field arcfleet renders, so equal hashes mean equal objects.
            assertEquals(appliedHashes, renderedHashes);
            for (HasMetadata object : rendered) {
                assertNotNull(object.getMetadata().getLabels().get("arcfleet.dev/set"));
            }
        }
    }

    /** Runs a command as if KUBECONFIG pointed at {@code kubeconfig}. */
    static LaunchResult launchAgainst(Path kubeconfig, java.util.function.Supplier<LaunchResult> launch) {
        String before = System.getProperty(Config.KUBERNETES_KUBECONFIG_FILE);
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());
        try {
            return launch.get();
        } finally {
            if (before == null) {
                System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
            } else {
                System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, before);
            }
        }
    }
}
