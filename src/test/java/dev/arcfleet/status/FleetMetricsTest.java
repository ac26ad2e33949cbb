package dev.arcfleet.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.cluster.Outcome;
import dev.arcfleet.status.SetStatus.Reason;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The per-set series each cycle records: registered once per set, then only their values change. */
class FleetMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FleetMetrics metrics = new FleetMetrics(registry, Map::of, () -> CacheReport.stopped("not examined"),
            () -> true, () -> 0L, Instant.now());

    @AfterEach
    void tearDown() {
        metrics.close();
    }

    @Test
    void anUnchangedCycleKeepsEverySeriesAndValuesFollowEachChange() {
        metrics.record(report(new SetStatus("set-1", "acme/tools", Reason.IN_SYNC, "in sync"),
                new SetStatus("set-2", "acme/tools", Reason.CACHE_DIRECTORY_PENDING, "waiting")), status(2, 3));
        Gauge set2Waiting = gauge("arcfleet.set.state", "set", "set-2", "state", "waiting");
        Gauge set2Max = gauge("arcfleet.set.runners.max", "set", "set-2");
        assertEquals(1.0, set2Waiting.value());
        assertEquals(3.0, set2Max.value());

        metrics.record(report(new SetStatus("set-1", "acme/tools", Reason.IN_SYNC, "in sync"),
                new SetStatus("set-2", "acme/tools", Reason.CACHE_DIRECTORY_PENDING, "waiting")), status(2, 3));
        // Registering every series again each cycle was most of an idle cycle's CPU at 300 sets.
        assertSame(set2Waiting, gauge("arcfleet.set.state", "set", "set-2", "state", "waiting"));
        assertSame(set2Max, gauge("arcfleet.set.runners.max", "set", "set-2"));

        metrics.record(report(new SetStatus("set-1", "acme/tools", Reason.IN_SYNC, "in sync"),
                new SetStatus("set-2", "acme/tools", Reason.IN_SYNC, "in sync")), status(2, 5));
        assertEquals(0.0, set2Waiting.value());
        assertEquals(1.0, gauge("arcfleet.set.state", "set", "set-2", "state", "ready").value());
        assertEquals(5.0, set2Max.value());
        assertEquals(2.0, gauge("arcfleet.sets", "state", "ready").value());

        metrics.record(report(new SetStatus("set-1", "acme/tools", Reason.IN_SYNC, "in sync")), status(2));
        assertNull(registry.find("arcfleet.set.state").tag("set", "set-2").gauge(), "a removed set's series goes");
        assertNull(registry.find("arcfleet.set.runners.max").tag("set", "set-2").gauge());
        assertEquals(2.0, gauge("arcfleet.set.runners.max", "set", "set-1").value());
    }

    private Gauge gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge();
    }

    private static CycleReport report(SetStatus... sets) {
        return new CycleReport(Instant.now(), Duration.ofMillis(5), Optional.empty(), Outcome.failed("no ARC controller looked up"),
                Optional.empty(), List.of(sets), 0, 0);
    }

    /** One repository whose sets set-1, set-2, ... have these maxRunners. */
    private static FleetStatus status(int... maxRunners) {
        List<FleetStatus.RunnerSet> sets = new java.util.ArrayList<>();
        for (int i = 0; i < maxRunners.length; i++) {
            sets.add(new FleetStatus.RunnerSet("set-" + (i + 1), "arc-runners", i + 1, "ready", "IN_SYNC", "in sync", maxRunners[i], true,
                    Map.of(), null, null, null, null, null, null, null));
        }
        return new FleetStatus(null, null, List.of(new FleetStatus.Repository("acme/tools", sets)), List.of());
    }
}
