package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.render.Labels;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * A cache claim's life against the real API server, which has no controller-manager: claims stay Pending, and
 * their pvc-protection finalizer is never removed, so a deleted claim stays terminating until the test lets it go.
 */
class CacheClaimLifecycleTest {

    private static final String SET = "arc-runner-acme-widgets-1";
    private static final String CLAIM = SET + "-cache";
    private static final String WITH_CLAIM = """
            repositories:
              - name: acme/widgets
                cacheVolume: {type: persistentVolumeClaim, storage: 1Gi}
              - name: acme/tools
            """;
    private static final String WITHOUT_WIDGETS = """
            repositories:
              - name: acme/tools
            """;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("claims");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    private PersistentVolumeClaim claim() {
        return fleet.client.persistentVolumeClaims().inNamespace(fleet.namespace).withName(CLAIM).get();
    }

    private static String removedAt(PersistentVolumeClaim claim) {
        return claim.getMetadata().getAnnotations() == null ? null
                : claim.getMetadata().getAnnotations().get(Labels.REMOVED_AT_ANNOTATION);
    }

    private SetStatus status(CycleReport report) {
        return report.sets().stream().filter(set -> set.name().equals(SET)).findFirst().orElseThrow();
    }

    private GenericKubernetesResource runnerSet() {
        return fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get();
    }

    /** The claim as removed at {@code when}, as a restart long after the removal would find it. */
    private void backdateRemoval(Instant when) {
        PersistentVolumeClaim written = fleet.client.persistentVolumeClaims().inNamespace(fleet.namespace).withName(CLAIM)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                        + Labels.REMOVED_AT_ANNOTATION + "\":\"" + when + "\"}}}");
        fleet.awaitCached(written);
    }

    @Test
    void claimComesBeforeTheRunnerSetAndAPendingClaimHoldsNothingBack() {
        fleet.writeRepositories(WITH_CLAIM);
        CycleReport report = fleet.converge().last();

        assertEquals(SetStatus.Reason.IN_SYNC, status(report).reason(), status(report).detail());
        assertTrue(report.succeeded(), report.toString());
        PersistentVolumeClaim claim = claim();
        assertEquals("Pending", claim.getStatus().getPhase());
        assertNotNull(runnerSet());
        assertFalse(Files.exists(fleet.cacheHostRoot().resolve(SET)), "a claim set has no cache directory");
        assertTrue(Files.isDirectory(fleet.cacheHostRoot().resolve("arc-runner-acme-tools-1")));
        List<String> creations = TestApiServer.auditedRequests(fleet.namespace).stream()
                .filter(line -> line.contains("\"verb\":\"patch\"") && (line.contains("\"name\":\"" + CLAIM + "\"")
                        || line.contains("\"resource\":\"autoscalingrunnersets\",\"namespace\":\"" + fleet.namespace
                                + "\",\"name\":\"" + SET + "\"")))
                .toList();
        assertTrue(creations.size() >= 2 && creations.get(0).contains(CLAIM), "the claim is applied first: " + creations);
    }

    @Test
    void removedSetsClaimIsKeptAcrossARestartForTheRetentionCountedFromItsAnnotation() {
        fleet.writeRepositories(WITH_CLAIM);
        fleet.converge();
        String uid = claim().getMetadata().getUid();

        fleet.writeRepositories(WITHOUT_WIDGETS);
        fleet.cycleUntil("the set's AutoscalingRunnerSet to be gone", report -> runnerSet() == null);
        fleet.converge();
        String removedAt = removedAt(claim());
        assertNotNull(removedAt, "the removal is written on the claim");
        assertTrue(Duration.between(Instant.parse(removedAt), Instant.now()).abs().toMinutes() < 5, removedAt);

        fleet.restartDaemon();
        fleet.converge();
        fleet.converge();
        assertEquals(uid, claim().getMetadata().getUid());
        assertEquals(removedAt, removedAt(claim()), "a restart neither resets nor skips the countdown");
        assertNull(claim().getMetadata().getDeletionTimestamp());

        // Seven days (the default retention) after the removal, as seen by a daemon started since.
        backdateRemoval(Instant.parse(removedAt).minus(Duration.ofDays(7)));
        fleet.restartDaemon();
        fleet.cycleUntil("the claim deleted after the retention",
                report -> claim().getMetadata().getDeletionTimestamp() != null);
    }

    @Test
    void aSetThatComesBackKeepsItsClaim() {
        fleet.writeRepositories(WITH_CLAIM);
        fleet.converge();
        String uid = claim().getMetadata().getUid();
        fleet.writeRepositories(WITHOUT_WIDGETS);
        fleet.cycleUntil("the set to be gone and its claim marked", report -> runnerSet() == null && removedAt(claim()) != null);

        fleet.writeRepositories(WITH_CLAIM);
        CycleReport report = fleet.converge().last();

        assertEquals(SetStatus.Reason.IN_SYNC, status(report).reason());
        assertEquals(uid, claim().getMetadata().getUid());
        assertNull(removedAt(claim()), "the countdown ends when the set is back");
        assertNotNull(runnerSet());
    }

    @Test
    void aPodReferringToTheClaimHoldsItsDeletionUntilItIsGone() {
        fleet.writeRepositories(WITH_CLAIM);
        fleet.converge();
        Pod pod = fleet.client.pods().inNamespace(fleet.namespace).resource(new PodBuilder().withNewMetadata()
                .withName("job-pod").endMetadata().withNewSpec().addNewContainer().withName("job").withImage("busybox")
                .endContainer().addNewVolume().withName("cache").withNewPersistentVolumeClaim().withClaimName(CLAIM)
                .endPersistentVolumeClaim().endVolume().endSpec().build()).create();
        Poll.until(FleetFixture.TIMEOUT, "the pod in the informer", () -> fleet.cache().claimUser(fleet.namespace, CLAIM).isPresent());
        fleet.writeRepositories(WITHOUT_WIDGETS);
        fleet.cycleUntil("the set to be gone and its claim marked", report -> runnerSet() == null && removedAt(claim()) != null);
        backdateRemoval(Instant.now().minus(Duration.ofDays(8)));

        for (int cycle = 0; cycle < 3; cycle++) {
            fleet.reconciler().reconcileOnce();
        }
        assertNull(claim().getMetadata().getDeletionTimestamp(), "a pod refers to it");

        fleet.client.resource(pod).withGracePeriod(0).delete();
        Poll.until(FleetFixture.TIMEOUT, "the pod to leave the informer", () -> fleet.cache().claimUser(fleet.namespace, CLAIM).isEmpty());
        fleet.reconciler().reconcileOnce();
        fleet.reconciler().reconcileOnce();
        assertNotNull(claim().getMetadata().getDeletionTimestamp(), "deleted within two cycles of the pod going");
    }

    @Test
    void aClaimTheUserDeletedIsLetGoAndMadeAfresh() {
        fleet.writeRepositories(WITH_CLAIM);
        fleet.converge();
        PersistentVolumeClaim first = claim();
        fleet.client.resource(first).delete();
        Poll.until(FleetFixture.TIMEOUT, "the informer to see the claim terminating", () -> fleet.cache()
                .get(ManagedKind.PERSISTENT_VOLUME_CLAIM, fleet.namespace, CLAIM).map(live -> live.getMetadata().getDeletionTimestamp() != null)
                .orElse(false));

        // pvc-protection keeps it while a pod may use it: neither fought nor waited for.
        CycleReport whileTerminating = fleet.converge().last();
        assertEquals(SetStatus.Reason.IN_SYNC, status(whileTerminating).reason(), status(whileTerminating).detail());
        assertEquals(first.getMetadata().getUid(), claim().getMetadata().getUid());

        // What the controller-manager does once no pod uses it.
        fleet.client.persistentVolumeClaims().inNamespace(fleet.namespace).withName(CLAIM)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        fleet.awaitGoneFromCache(ManagedKind.PERSISTENT_VOLUME_CLAIM, CLAIM);
        fleet.converge();
        assertNotEquals(first.getMetadata().getUid(), claim().getMetadata().getUid(), "a fresh claim");
    }

    @Test
    void switchingHostPathToClaimAndBackReplacesTheVolumeAndOrphansTheOldOne() {
        String hostPath = "repositories:\n  - name: acme/widgets\n";
        fleet.writeRepositories(hostPath);
        fleet.converge();
        assertTrue(Files.isDirectory(fleet.cacheHostRoot().resolve(SET)));
        assertNull(claim());

        fleet.writeRepositories(WITH_CLAIM);
        fleet.converge();
        assertEquals(List.of(Map.of("name", "cache", "persistentVolumeClaim", Map.of("claimName", CLAIM))), cacheVolumes());
        assertNull(removedAt(claim()));
        assertTrue(Files.isDirectory(fleet.cacheHostRoot().resolve(SET)), "the directory is kept for the retention");
        Poll.until(FleetFixture.TIMEOUT, "the old directory's marker to count its retention", 
                () -> marker().contains("orphaned-since"));

        fleet.writeRepositories(hostPath);
        fleet.converge();
        assertEquals(List.of("cache-cache"), cacheVolumes().stream().map(volume -> volume.get("name")).toList());
        assertTrue(cacheVolumes().get(0).containsKey("hostPath"));
        assertNotNull(removedAt(claim()), "the claim is now the orphan");
    }

    @Test
    void idleCyclesWithClaimsAndAnOrphanSendNothing() {
        fleet.writeRepositories(WITH_CLAIM);
        fleet.converge();
        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                  - name: acme/gadgets
                    cacheVolume: {type: persistentVolumeClaim, storage: 1Gi}
                """);
        fleet.cycleUntil("the removed set's claim marked", report -> runnerSet() == null && removedAt(claim()) != null);
        fleet.converge();
        List<String> before = TestApiServer.auditedRequests(fleet.namespace);

        CycleReport idle = fleet.reconciler().reconcileOnce();
        CycleReport idleAgain = fleet.reconciler().reconcileOnce();

        assertEquals(0, idle.writes() + idleAgain.writes());
        List<String> after = TestApiServer.auditedRequests(fleet.namespace);
        assertEquals(List.of(), after.subList(before.size(), after.size()).stream()
                .filter(line -> !line.contains("\"resource\":\"events\"")).toList());
    }

    private String marker() {
        try {
            return Files.readString(fleet.cacheHostRoot().resolve(SET).resolve(".arcfleet-cache"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> cacheVolumes() {
        Map<String, Object> spec = (Map<String, Object>) runnerSet().getAdditionalProperties().get("spec");
        Map<String, Object> podSpec = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
        return ((List<Map<String, Object>>) podSpec.get("volumes")).stream()
                .filter(volume -> volume.get("name").toString().startsWith("cache")).toList();
    }
}
