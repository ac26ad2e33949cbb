package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.reconcile.ClusterCache.ManagedKind;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

class PruneAndRestoreTest {

    private static final String TWO_REPOSITORIES = """
            repositories:
              - name: rkoster/rubionic-workspace
                instances: 3
              - name: acme/tools
            """;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("prune");
        fleet.writeRepositories(TWO_REPOSITORIES);
        fleet.converge();
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void loweredInstancesAndRemovedRepositoryPruneExactlyTheirObjects() {
        Map<String, String> versionsBefore = managedObjectVersions();

        fleet.writeRepositories("""
                repositories:
                  - name: rkoster/rubionic-workspace
                    instances: 2
                """);
        FleetFixture.Converged converged = fleet.converge();

        // Everything of -3 and of acme/tools: 2 × (ARS + SA + 2 Roles + 2 RoleBindings + Secret + hook ConfigMap).
        assertEquals(16, converged.writes(), "only the prunes, nothing re-applied: " + converged);
        assertEquals(List.of("arc-runner-rkoster-rubionic-workspace-1", "arc-runner-rkoster-rubionic-workspace-2"),
                fleet.runnerSets().inNamespace(fleet.namespace).list().getItems().stream()
                        .map(set -> set.getMetadata().getName()).sorted().toList());
        // Companions wait for ARC to release its cleanup finalizer; here they are marked for deletion.
        for (String pruned : List.of("arc-runner-rkoster-rubionic-workspace-3", "arc-runner-acme-tools-1")) {
            Role kubeMode = fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(pruned + "-gha-rs-kube-mode").get();
            assertNotNull(kubeMode.getMetadata().getDeletionTimestamp(), pruned + " kube-mode Role should be deleting");
            assertNotNull(fleet.client.secrets().inNamespace(fleet.namespace).withName(pruned + "-gha-rs-github-secret").get()
                    .getMetadata().getDeletionTimestamp());
        }
        Map<String, String> versionsAfter = managedObjectVersions();
        versionsBefore.forEach((object, version) -> {
            if (object.contains("workspace-1") || object.contains("workspace-2")) {
                assertEquals(version, versionsAfter.get(object), object + " must be untouched");
            }
        });
    }

    @Test
    void handEditedMaxRunnersIsRestored() {
        GenericKubernetesResource edited = fleet.runnerSets().inNamespace(fleet.namespace)
                .withName("arc-runner-acme-tools-1")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"maxRunners\":5}}");
        fleet.awaitCached(edited);

        fleet.converge();

        GenericKubernetesResource restored = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get();
        assertEquals(1, FirstSyncTest.spec(restored).get("maxRunners"));
    }

    @Test
    void handDeletedRunnerSetAndCompanionAreRestored() {
        fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-rkoster-rubionic-workspace-2").delete();
        fleet.awaitGoneFromCache(ManagedKind.AUTOSCALING_RUNNER_SET, "arc-runner-rkoster-rubionic-workspace-2");
        String role = "arc-runner-rkoster-rubionic-workspace-1-gha-rs-kube-mode";
        fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(role).delete();

        // The Role stays until its cleanup finalizer goes: arcfleet releases it, then recreates the Role.
        io.fabric8.kubernetes.api.model.rbac.Role recreated = dev.arcfleet.testing.Poll.until(FleetFixture.TIMEOUT,
                "the kube-mode Role to be recreated", () -> {
                    fleet.reconciler().reconcileOnce();
                    return fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(role).get();
                }, current -> current != null && current.getMetadata().getDeletionTimestamp() == null);
        assertEquals(List.of("actions.github.com/cleanup-protection"), recreated.getMetadata().getFinalizers());
        fleet.converge();

        assertNotNull(fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-rkoster-rubionic-workspace-2").get());
        assertTrue(fleet.converge().last().succeeded());
    }

    @Test
    void objectsOutsideTheRenderedNamesAreNeverPruned() {
        // What ARC does with a set's labels: copies them onto objects it creates, such as runner Secrets.
        GenericKubernetesResource set = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get();
        HasMetadata runnerSecret = fleet.client.secrets().resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName("arc-runner-acme-tools-1-abcde-runner-xyz").withNamespace(fleet.namespace)
                .withLabels(set.getMetadata().getLabels()).endMetadata().build()).create();
        fleet.awaitCached(runnerSecret);

        fleet.writeRepositories("repositories: []\n");
        fleet.converge();

        assertNull(fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get());
        HasMetadata kept = fleet.client.secrets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1-abcde-runner-xyz").get();
        assertNull(kept.getMetadata().getDeletionTimestamp(), "an object arcfleet did not render must not be pruned");
    }

    private Map<String, String> managedObjectVersions() {
        return java.util.Arrays.stream(ManagedKind.values())
                .flatMap(kind -> fleet.cache().all(kind))
                .filter(object -> "arcfleet".equals(object.getMetadata().getLabels().get("app.kubernetes.io/managed-by")))
                .collect(Collectors.toMap(object -> object.getKind() + "/" + object.getMetadata().getName(),
                        object -> object.getMetadata().getResourceVersion()));
    }
}
