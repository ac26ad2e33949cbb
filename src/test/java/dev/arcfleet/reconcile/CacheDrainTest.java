package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.cache.CacheState;
import dev.arcfleet.render.Labels;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/**
 * A set whose runners always mount its cache: over maxCacheSize at two measurements in a row, it is drained to no
 * runners, its cache cleared once nothing mounts it, and restored. Real API server, real cache directories; the
 * measurements are taken by hand, as the measure interval would.
 */
class CacheDrainTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final String REPOSITORIES = """
            repositories:
              - name: acme/tools
                minRunners: 1
                maxRunners: 3
                maxCacheSize: 16Ki
            """;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("drain");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void overTheLimitTwiceIsDrainedClearedOnceNoPodMountsTheCacheAndRestored() throws Exception {
        fleet.writeRepositories(REPOSITORIES);
        fleet.converge();
        // Past the measurement a new set's directory gets at once, which counts too.
        fleet.caches().measureNow();
        Path cache = fleet.cacheHostRoot().resolve(SET).resolve("cache");
        Files.write(cache.resolve("big.bin"), new byte[64 * 1024]);
        Pod idleRunner = createRunnerPod();

        fleet.caches().measureNow();
        fleet.converge();
        assertEquals(List.of(1, 3), runners(), "one measurement over the limit does not drain");
        fleet.caches().measureNow();
        CycleReport drainedCycle = fleet.converge().last();

        assertEquals(List.of(0, 0), runners());
        assertTrue(Labels.drained(runnerSet()));
        assertTrue(drainedCycle.succeeded(), drainedCycle.toString());
        assertEquals(CacheState.DRAINED, fleet.caches().report().limits().get(SET), "what readiness and status show");
        Event drained = awaitEvent("Drained");
        assertThat(drained.getMessage(), containsString("over maxCacheSize at two measurements in a row"));
        assertEquals("Warning", drained.getType());
        fleet.caches().awaitSynced();
        assertTrue(Files.exists(cache.resolve("big.bin")), "the idle runner's pod mounts the cache: not cleared");
        assertThat(fleet.caches().report().cleanup().get(SET), containsString("pod " + idleRunner.getMetadata().getName()));

        fleet.client.resource(idleRunner).withGracePeriod(0).delete();
        // No measurement and no cycle: the cache work looks again by itself.
        Poll.until(FleetFixture.TIMEOUT, "the drained cache to be cleared", () -> fleet.caches().state(SET) == CacheState.CLEARED);
        assertEquals(List.of(), list(cache));
        fleet.converge();

        assertEquals(List.of(1, 3), runners(), "restored as configured");
        assertFalse(Labels.drained(runnerSet()));
        assertThat(awaitEvent("Restored").getMessage(), containsString("cache cleared"));
        List<String> requestsBefore = TestApiServer.auditedRequests(fleet.namespace);
        CycleReport idle = fleet.reconciler().reconcileOnce();
        assertEquals(0, idle.writes());
        List<String> requestsAfter = TestApiServer.auditedRequests(fleet.namespace);
        assertEquals(List.of(), requestsAfter.subList(requestsBefore.size(), requestsAfter.size()),
                "once restored, an idle cycle sends nothing");
    }

    @Test
    void oneMeasurementOverTheLimitAloneDoesNotDrain() throws Exception {
        fleet.writeRepositories(REPOSITORIES);
        fleet.converge();
        // Past the measurement a new set's directory gets at once, which counts too.
        fleet.caches().measureNow();
        Path cache = fleet.cacheHostRoot().resolve(SET).resolve("cache");
        Files.write(cache.resolve("big.bin"), new byte[64 * 1024]);
        createRunnerPod();

        fleet.caches().measureNow();
        Files.delete(cache.resolve("big.bin"));
        fleet.caches().measureNow();
        fleet.caches().measureNow();
        CycleReport report = fleet.converge().last();

        assertEquals(List.of(1, 3), runners(), "over, within, within: never two measurements in a row over it");
        assertFalse(Labels.drained(runnerSet()));
        assertTrue(report.succeeded(), report.toString());
        assertNull(fleet.caches().report().limits().get(SET));
        assertTrue(fleet.client.v1().events().inNamespace(fleet.namespace).list().getItems().stream()
                .noneMatch(event -> "Drained".equals(event.getReason())));
    }

    /** The drain is kept nowhere but in the cache manager: a restart restores the set, and measures it drained again. */
    @Test
    void aRestartRestoresTheSetUntilTwoMeasurementsDrainItAgain() throws Exception {
        fleet.writeRepositories(REPOSITORIES);
        fleet.converge();
        // Past the measurement a new set's directory gets at once, which counts too.
        fleet.caches().measureNow();
        Files.write(fleet.cacheHostRoot().resolve(SET).resolve("cache").resolve("big.bin"), new byte[64 * 1024]);
        createRunnerPod();
        fleet.caches().measureNow();
        fleet.caches().measureNow();
        fleet.converge();
        assertEquals(List.of(0, 0), runners());

        fleet.restartDaemon();
        fleet.converge();

        assertEquals(List.of(1, 3), runners(), "the first cycle after a restart writes the set as configured");
        assertThat(awaitEvent("Restored").getMessage(), containsString("cache not cleared"));
        // The first measurement ran as soon as the directory was found ready; this is the second in a row over the limit.
        fleet.caches().measureNow();
        fleet.converge();
        assertEquals(List.of(0, 0), runners());
    }

    /** What ARC would run for {@code minRunners: 1}: a runner pod of the set that mounts its cache directory. */
    private Pod createRunnerPod() {
        Pod pod = fleet.client.pods().inNamespace(fleet.namespace).resource(new PodBuilder().withNewMetadata()
                .withName(SET + "-runner-abcde").addToLabels(ArcKeys.SCALE_SET_NAME, SET)
                .addToLabels(ArcKeys.SCALE_SET_NAMESPACE, fleet.namespace).endMetadata()
                .withNewSpec().addNewContainer().withName("runner").withImage("ghcr.io/actions/actions-runner")
                .addNewVolumeMount().withName("cache-cache").withMountPath("/home/runner/cache").endVolumeMount().endContainer()
                .addNewVolume().withName("cache-cache").withNewHostPath().withPath("/tmp/github-runner-cache/" + SET + "/cache")
                .withType("DirectoryOrCreate").endHostPath().endVolume().endSpec().build()).create();
        Poll.until(FleetFixture.TIMEOUT, "the runner pod in the informer", () -> fleet.cache().cacheUser(SET).isPresent());
        return pod;
    }

    private GenericKubernetesResource runnerSet() {
        return fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get();
    }

    /** The AutoscalingRunnerSet's minRunners and maxRunners. */
    private List<Integer> runners() {
        Map<?, ?> spec = (Map<?, ?>) runnerSet().getAdditionalProperties().get("spec");
        return List.of((Integer) spec.get("minRunners"), (Integer) spec.get("maxRunners"));
    }

    private Event awaitEvent(String reason) {
        List<Event> events = Poll.until(FleetFixture.TIMEOUT, "a " + reason + " event of " + SET,
                () -> fleet.client.v1().events().inNamespace(fleet.namespace).list().getItems(),
                all -> all.stream().anyMatch(event -> reason.equals(event.getReason())
                        && SET.equals(event.getInvolvedObject().getName())));
        return events.stream().filter(event -> reason.equals(event.getReason())).findFirst().orElseThrow();
    }

    private static List<String> list(Path directory) throws IOException {
        try (var children = Files.list(directory)) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }
}
