package dev.arcfleet.cli;

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

import dev.arcfleet.reconcile.ClusterCache.ManagedKind;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/** What {@code arcfleet render} prints is what the daemon applies for the same file, object for object. */
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
                  - name: acme/tools
                    containerMode: dind
                    runnerGroup: builders
                  - name: acme/web
                    containerMode: kubernetes-novolume
                """;
        Path file = Files.writeString(directory.resolve("repositories.yaml"), yaml);
        try (FleetFixture fleet = FleetFixture.inDefaultNamespaces()) {
            fleet.writeRepositories(yaml);
            fleet.converge();

            // The test API server is Kubernetes 1.20, which decides how dind is rendered.
            LaunchResult result = launcher.launch("render", "-f", file.toString(), "--arc-version", FleetFixture.ARC_VERSION,
                    "--kubernetes-minor-version", "20");

            assertEquals(0, result.exitCode(), result.getErrorOutput());
            List<HasMetadata> rendered = fleet.client.load(new ByteArrayInputStream(
                    result.getOutput().getBytes(StandardCharsets.UTF_8))).items();
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

            // Kubernetes modes: 3 sets × (ServiceAccount, 2 Roles, 2 RoleBindings, hook ConfigMap, set);
            // dind: 1 set × (ServiceAccount, Role, RoleBinding, set). Secrets are not printed.
            assertEquals(3 * 7 + 4, renderedHashes.size());
            // The hash covers every field arcfleet renders, so equal hashes mean equal objects.
            assertEquals(appliedHashes, renderedHashes);
            for (HasMetadata object : rendered) {
                assertNotNull(object.getMetadata().getLabels().get("arcfleet.dev/set"));
            }
        }
    }
}
