package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.render.Labels;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
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
    private ArcControllerStandIn arc;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("prune");
        arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        fleet.writeRepositories(TWO_REPOSITORIES);
        fleet.cycleUntil("ARC to register every set", report -> report.succeeded()
                && report.sets().stream().allMatch(set -> fleet.registeredByArc(set.name())));
        fleet.converge();
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void loweredInstancesAndRemovedRepositoryPruneExactlyTheirObjects() {
        Map<String, String> versionsBefore = managedObjectVersions();
        Map<ApiWriter.WriteKind, Long> writesBefore = fleet.reconciler().writeCounts();
        List<String> deletedBefore = deletedByArcfleet();

        fleet.writeRepositories("""
                repositories:
                  - name: rkoster/rubionic-workspace
                    instances: 2
                """);
        fleet.converge();

        // Everything of -3 and of acme/tools: 2 × (ARS + SA + 2 Roles + 2 RoleBindings + Secret + hook ConfigMap).
        Map<ApiWriter.WriteKind, Long> writesAfter = fleet.reconciler().writeCounts();
        List<String> deleted = new java.util.ArrayList<>(deletedByArcfleet());
        deleted.removeAll(deletedBefore);
        assertEquals(16, deleted.size(), "deleted: " + deleted);
        assertTrue(deleted.stream().allMatch(name -> name.contains("/arc-runner-rkoster-rubionic-workspace-3")
                || name.contains("/arc-runner-acme-tools-1")), "deleted: " + deleted);
        assertEquals(0, sentSince(writesBefore, writesAfter, "apply"), "nothing re-applied: " + writesAfter);
        List<String> requests = dev.arcfleet.testing.TestApiServer.auditedRequests(fleet.namespace).stream()
                .filter(line -> !line.contains(ArcControllerStandIn.USER_AGENT_PREFIX)).toList();
        int firstDelete = indexOf(requests, line -> line.contains("\"verb\":\"delete\""));
        int confirmingRead = indexOf(requests, line -> line.contains("\"verb\":\"get\"")
                && line.contains("\"resource\":\"configmaps\"") && line.contains("\"name\":\"arcfleet-repositories\""));
        assertTrue(confirmingRead >= 0 && confirmingRead < firstDelete,
                "the ConfigMap is read past the watch cache before anything is deleted");
        // ARC deregisters the pruned sets, then releases their companions, which are gone with them.
        fleet.cycleUntil("nothing of the pruned sets left", report -> fleet.managedObjects().stream()
                .noneMatch(object -> object.contains("workspace-3") || object.contains("acme-tools")));
        assertEquals(List.of("arc-runner-rkoster-rubionic-workspace-1", "arc-runner-rkoster-rubionic-workspace-2"),
                fleet.runnerSets().inNamespace(fleet.namespace).list().getItems().stream()
                        .map(set -> set.getMetadata().getName()).sorted().toList());
        assertEquals(List.of("arc-runner-acme-tools-1", "arc-runner-rkoster-rubionic-workspace-3"),
                arc.deregistered.stream().sorted().toList());
        Map<String, String> versionsAfter = managedObjectVersions();
        versionsBefore.forEach((object, version) -> {
            if (object.contains("workspace-1") || object.contains("workspace-2")) {
                assertEquals(version, versionsAfter.get(object), object + " must be untouched");
            }
        });
    }

    /** Objects arcfleet deleted, by name, from the API server's audit log. */
    private List<String> deletedByArcfleet() {
        return dev.arcfleet.testing.TestApiServer.auditedRequests(fleet.namespace).stream()
                .filter(line -> line.contains("\"verb\":\"delete\"") && line.contains("\"code\":200")
                        && !line.contains(ArcControllerStandIn.USER_AGENT_PREFIX))
                .map(line -> line.replaceAll(".*\"objectRef\":\\{[^}]*\"resource\":\"([^\"]+)\".*", "$1") + "/"
                        + line.replaceAll(".*\"objectRef\":\\{[^}]*\"name\":\"([^\"]+)\".*", "$1"))
                .distinct().sorted().toList();
    }

    private static int indexOf(List<String> lines, java.util.function.Predicate<String> match) {
        for (int i = 0; i < lines.size(); i++) {
            if (match.test(lines.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static long sentSince(Map<ApiWriter.WriteKind, Long> before, Map<ApiWriter.WriteKind, Long> after, String verb) {
        return after.entrySet().stream().filter(entry -> entry.getKey().verb().equals(verb))
                .mapToLong(entry -> entry.getValue() - before.getOrDefault(entry.getKey(), 0L)).sum();
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
    void handDeletedRunnerSetIsRestored() {
        fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-rkoster-rubionic-workspace-2").delete();

        fleet.cycleUntil("the set deregistered and back", report -> arc.deregistered.contains(
                "arc-runner-rkoster-rubionic-workspace-2") && report.succeeded()
                && fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-rkoster-rubionic-workspace-2").get() != null);
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
        fleet.cycleUntil("the set deregistered and gone", report -> arc.deregistered.contains("arc-runner-acme-tools-1")
                && fleet.managedObjects().equals(List.of("Secret/arc-runner-acme-tools-1-abcde-runner-xyz")));

        assertNull(fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get());
        HasMetadata kept = fleet.client.secrets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1-abcde-runner-xyz").get();
        assertNull(kept.getMetadata().getDeletionTimestamp(), "an object arcfleet did not render must not be pruned");
    }

    @Test
    void anObjectOfOursThatAppearsWhileIdleIsPrunedByTheNextCycle() {
        assertEquals(0, fleet.converge().writes(), "idle before the object appears");
        // Such as a set's ServiceAccount restored from a backup after its repository left the configuration.
        ServiceAccount kept = fleet.client.serviceAccounts().inNamespace(fleet.namespace).list().getItems().stream()
                .filter(account -> "arc-runner-acme-tools-1".equals(account.getMetadata().getLabels().get(Labels.SET)))
                .findFirst().orElseThrow();
        Map<String, String> labels = new java.util.HashMap<>(kept.getMetadata().getLabels());
        labels.replaceAll((key, value) -> value.replace("acme-tools-1", "acme-tools-2"));
        String strayName = kept.getMetadata().getName().replace("acme-tools-1", "acme-tools-2");
        HasMetadata stray = fleet.client.serviceAccounts().resource(new ServiceAccountBuilder().withNewMetadata()
                .withName(strayName).withNamespace(fleet.namespace).withLabels(labels).endMetadata().build()).create();
        fleet.awaitCached(stray);

        fleet.cycleUntil("the stray ServiceAccount pruned",
                report -> fleet.client.serviceAccounts().inNamespace(fleet.namespace).withName(strayName).get() == null);
        assertTrue(fleet.managedObjects().contains("ServiceAccount/" + kept.getMetadata().getName()));
    }

    private Map<String, String> managedObjectVersions() {
        return java.util.Arrays.stream(ManagedKind.values())
                .flatMap(kind -> fleet.cache().all(kind))
                .filter(object -> "arcfleet".equals(object.getMetadata().getLabels().get("app.kubernetes.io/managed-by")))
                .collect(Collectors.toMap(object -> object.getKind() + "/" + object.getMetadata().getName(),
                        object -> object.getMetadata().getResourceVersion()));
    }
}
