package dev.arcfleet.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import dev.arcfleet.cache.CacheReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The Prometheus metrics (README, "Status, metrics, events and logs"; deploy/monitoring alerts on them
 * and graphs them): made from each cycle's report and the fleet status after it, so they change once per cycle.
 * Micrometer names map to Prometheus ones: arcfleet.set.runners.max is arcfleet_set_runners_max.
 */
final class FleetMetrics {

    /** The AutoscalingRunnerSet status fields counting ephemeral runners, by the phase they count. */
    private static final Map<String, String> EPHEMERAL_RUNNER_FIELDS = Map.of("pending", "pendingEphemeralRunners",
            "running", "runningEphemeralRunners", "failed", "failedEphemeralRunners");

    private final MeterRegistry registry;
    /** Write requests so far, by kind, over every leadership term. */
    private final java.util.function.Supplier<Map<ApiWriter.WriteKind, Long>> writeCounts;
    private final Timer cycleDuration;
    private final Counter cycles;
    private final Counter failedCycles;
    private final MultiGauge setsByState;
    private final MultiGauge setState;
    private final MultiGauge runners;
    private final MultiGauge runnersMax;
    private final MultiGauge ephemeralRunners;
    private final MultiGauge cacheBytes;
    private final MultiGauge cacheLimit;
    private final Set<ApiWriter.WriteKind> meteredWrites = ConcurrentHashMap.newKeySet();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private volatile CycleReport last;
    private volatile Instant lastSuccess;

    /** @param startedAt stands for the last successful cycle until there is one */
    FleetMetrics(MeterRegistry registry, java.util.function.Supplier<Map<ApiWriter.WriteKind, Long>> writeCounts,
            java.util.function.Supplier<CacheReport> caches, java.util.function.BooleanSupplier leading,
            java.util.function.LongSupplier cleanupFailures, Instant startedAt) {
        this.registry = registry;
        this.writeCounts = writeCounts;
        this.lastSuccess = startedAt;
        cycleDuration = kept(Timer.builder("arcfleet.reconcile.cycle.duration").description("Duration of reconcile cycles")
                .publishPercentileHistogram().register(registry));
        cycles = kept(Counter.builder("arcfleet.reconcile.cycles").description("Reconcile cycles run").register(registry));
        failedCycles = kept(Counter.builder("arcfleet.reconcile.failures")
                .description("Reconcile cycles that left a set not ready or changed nothing because of bad input")
                .register(registry));
        kept(Gauge.builder("arcfleet.reconcile.last.success.timestamp", this, metrics -> metrics.lastSuccess.getEpochSecond())
                .baseUnit("seconds").description("When a cycle last brought every set in line; the daemon's start until one has")
                .register(registry));
        kept(Gauge.builder("arcfleet.config.valid", this, metrics -> flag(metrics.last != null && metrics.last.configProblem() == null))
                .description("1 when the repositories ConfigMap is valid").register(registry));
        kept(FunctionCounter.builder("arcfleet.cache.cleanup.failures", cleanupFailures, LongSupplier::getAsLong)
                .description("Deletions and clearings of cache directories that failed and are retried").register(registry));
        kept(Gauge.builder("arcfleet.leader", leading, lead -> flag(lead.getAsBoolean()))
                .description("1 while this instance leads (always, without leader election), 0 on a standby")
                .register(registry));
        kept(Gauge.builder("arcfleet.arc.controller.known", this,
                metrics -> flag(metrics.last != null && metrics.last.arcController().isPresent()))
                .description("1 when the ARC controller's version is known, so sets can be created").register(registry));
        kept(Gauge.builder("arcfleet.cache.problems", caches, report -> problems(report.get()))
                .description("Problems of the cache directories that readiness reports: host-root unusable, a set's directory not ready")
                .register(registry));
        setsByState = MultiGauge.builder("arcfleet.sets").description("Desired runner sets by state").register(registry);
        setState = MultiGauge.builder("arcfleet.set.state").description("1 for each set's state after the last cycle, 0 for its other states")
                .register(registry);
        runners = MultiGauge.builder("arcfleet.set.runners").description("Runners of each set, as ARC reports them (currentRunners)")
                .register(registry);
        runnersMax = MultiGauge.builder("arcfleet.set.runners.max").description("Configured maxRunners of each set")
                .register(registry);
        ephemeralRunners = MultiGauge.builder("arcfleet.set.ephemeral.runners")
                .description("Ephemeral runners of each set by phase, as ARC reports them").register(registry);
        cacheBytes = MultiGauge.builder("arcfleet.cache").baseUnit("bytes").description("Size of each set's caches")
                .register(registry);
        cacheLimit = MultiGauge.builder("arcfleet.cache.limit").baseUnit("bytes")
                .description("maxCacheSize of each set that has one").register(registry);
    }

    void record(CycleReport report, FleetStatus status) {
        last = report;
        cycleDuration.record(report.duration());
        cycles.increment();
        if (report.succeeded()) {
            lastSuccess = report.startedAt().plus(report.duration());
        } else {
            failedCycles.increment();
        }
        setsByState.register(Arrays.stream(SetStatus.State.values())
                .map(state -> MultiGauge.Row.of(Tags.of("state", name(state)), report.count(state))).toList(), true);
        setState.register(report.sets().stream().flatMap(set -> Arrays.stream(SetStatus.State.values())
                .map(state -> MultiGauge.Row.of(Tags.of("set", set.name(), "state", name(state)), flag(set.state() == state))))
                .toList(), true);
        List<FleetStatus.RunnerSet> sets = status.repositories().stream().flatMap(repository -> repository.sets().stream())
                .toList();
        runners.register(perSet(sets, set -> count(set.runnerSet(), "currentRunners")), true);
        runnersMax.register(perSet(sets, set -> set.maxRunners()), true);
        List<MultiGauge.Row<?>> ephemeral = new ArrayList<>();
        for (FleetStatus.RunnerSet set : sets) {
            EPHEMERAL_RUNNER_FIELDS.forEach((phase, field) -> {
                Number value = count(set.runnerSet(), field);
                if (value != null) {
                    ephemeral.add(MultiGauge.Row.of(Tags.of("set", set.name(), "phase", phase), value));
                }
            });
        }
        ephemeralRunners.register(ephemeral, true);
        cacheLimit.register(perSet(sets, FleetStatus.RunnerSet::cacheLimitBytes), true);
        cacheBytes.register(perSet(sets, FleetStatus.RunnerSet::cacheBytes), true);
        for (ApiWriter.WriteKind kind : writeCounts.get().keySet()) {
            if (meteredWrites.add(kind)) {
                kept(FunctionCounter.builder("arcfleet.api.writes", writeCounts,
                        counts -> counts.get().getOrDefault(kind, 0L))
                        .description("Write requests sent to the API server").tags("verb", kind.verb(), "kind", kind.kind())
                        .register(registry));
            }
        }
    }

    /**
     * Removes every meter this registered. Quarkus keeps the meters of its global registry when an
     * application stops in a JVM that starts it again (the tests), and a meter registered again under
     * the same name is the old one, bound to the stopped daemon's state.
     */
    void close() {
        meters.forEach(registry::remove);
        for (MultiGauge perSet : List.of(setsByState, setState, runners, runnersMax, ephemeralRunners, cacheBytes, cacheLimit)) {
            perSet.register(List.of(), true);
        }
    }

    private <T extends Meter> T kept(T meter) {
        meters.add(meter);
        return meter;
    }

    /** A row per set that has a value; a set without one (no status from ARC yet, no limit) has no series. */
    private static List<MultiGauge.Row<?>> perSet(List<FleetStatus.RunnerSet> sets, Function<FleetStatus.RunnerSet, Number> value) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (FleetStatus.RunnerSet set : sets) {
            Number number = value.apply(set);
            if (number != null) {
                rows.add(MultiGauge.Row.of(Tags.of("set", set.name()), number));
            }
        }
        return rows;
    }

    private static Number count(Map<String, Object> arcStatus, String field) {
        return arcStatus.get(field) instanceof Number number ? number : null;
    }

    private static int problems(CacheReport report) {
        return (report.problem().isPresent() ? 1 : 0) + report.setProblems().size();
    }

    private static int flag(boolean value) {
        return value ? 1 : 0;
    }

    private static String name(SetStatus.State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }
}
