package dev.arcfleet.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.matchesRegex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.FleetStatus;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Where a set's cache is, in status and {@code arcfleet status}, for a fleet mixing both types. The test API server
 * binds nothing: the test binds one claim by hand, as the PV controller would after the provisioner made its volume.
 */
class CacheClaimStatusTest {

    private static final String BOUND = "arc-runner-acme-widgets-1";
    private static final String PENDING = "arc-runner-acme-gadgets-1";
    private static final String NODE_LOCAL = "arc-runner-acme-tools-1";

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("claim-status");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void statusShowsEachClaimsPhaseAndOnceBoundItsNodeAndPath() throws Exception {
        fleet.writeRepositories("""
                repositories:
                  - name: acme/widgets
                    cacheVolume: {type: persistentVolumeClaim, storageClassName: standard, storage: 20Gi}
                  - name: acme/gadgets
                    cacheVolume: {type: persistentVolumeClaim, storageClassName: standard, storage: 5Gi}
                  - name: acme/tools
                """);
        fleet.converge();
        String volumeName = "pvc-" + fleet.namespace + "-widgets";
        String path = "/var/local-path-provisioner/" + volumeName + "_" + fleet.namespace + "_" + BOUND + "-cache";
        bindByHand(BOUND + "-cache", volumeName, "kind-worker2", path);
        CycleReport report = fleet.converge().last();

        FleetStatus status = FleetStatus.of(new LeaderGate.State(false, true, "test", null, "test"), Optional.of(report),
                Optional.empty(), fleet.reconciler().lastValidConfig(), fleet.cache(), fleet.caches().report(), Map.of(),
                Owner.of(fleet.settings));
        Map<String, FleetStatus.RunnerSet> sets = new java.util.HashMap<>();
        status.repositories().forEach(repository -> repository.sets().forEach(set -> sets.put(set.name(), set)));

        assertEquals(new FleetStatus.CacheClaim(BOUND + "-cache", "Bound", volumeName, "kind-worker2", path),
                sets.get(BOUND).cacheClaim());
        assertEquals(new FleetStatus.CacheClaim(PENDING + "-cache", "Pending", null, null, null), sets.get(PENDING).cacheClaim());
        assertNull(sets.get(NODE_LOCAL).cacheClaim());
        assertEquals("ready", sets.get(PENDING).state(), "a Pending claim is no error");

        JsonNode json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).valueToTree(status);
        assertEquals("kind-worker2", json.findValues("cacheClaim").stream().filter(JsonNode::isObject)
                .filter(claim -> claim.path("phase").asText().equals("Bound")).findFirst().orElseThrow().path("node").asText());

        String table = StatusTable.render(status, Instant.now(), false);
        List<String> lines = table.lines().toList();
        assertThat(lines.get(1), matchesRegex("acme/widgets +" + BOUND + " +ready +-/1 +no +pvc Bound kind-worker2:"
                + path + " +.*"));
        assertThat(lines.get(2), matchesRegex("acme/gadgets +" + PENDING + " +ready +-/1 +no +pvc Pending +.*"));
        assertThat(lines.get(3), matchesRegex("acme/tools +" + NODE_LOCAL + " +ready +-/1 +no +(-|0|[0-9]+Ki) +.*"));
    }

    /** What a local provisioner and the PV controller do: a volume pinned to a node, and the claim bound to it. */
    private void bindByHand(String claimName, String volumeName, String node, String path) {
        fleet.client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(volumeName)
                .endMetadata().withNewSpec().withCapacity(Map.of("storage", new Quantity("20Gi")))
                .withAccessModes("ReadWriteOnce").withStorageClassName("standard").withNewLocal().withPath(path).endLocal()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("kubernetes.io/hostname").withOperator("In").withValues(node).endMatchExpression()
                .endNodeSelectorTerm().endRequired().endNodeAffinity()
                .withNewClaimRef().withNamespace(fleet.namespace).withName(claimName).endClaimRef().endSpec().build())
                .create();
        PersistentVolumeClaim claim = fleet.client.persistentVolumeClaims().inNamespace(fleet.namespace).withName(claimName)
                .edit(live -> {
                    live.getSpec().setVolumeName(volumeName);
                    return live;
                });
        claim.getStatus().setPhase("Bound");
        claim.getStatus().setAccessModes(List.of("ReadWriteOnce"));
        claim.getStatus().setCapacity(Map.of("storage", new Quantity("20Gi")));
        fleet.awaitCached(fleet.client.persistentVolumeClaims().inNamespace(fleet.namespace).resource(claim).updateStatus());
        Poll.until(FleetFixture.TIMEOUT, "the PersistentVolume in the informer",
                () -> fleet.cache().persistentVolume(volumeName).isPresent()
                        && fleet.cache().get(ManagedKind.PERSISTENT_VOLUME_CLAIM, fleet.namespace, claimName).isPresent());
    }
}
