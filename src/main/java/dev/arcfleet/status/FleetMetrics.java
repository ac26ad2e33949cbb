package dev.arcfleet.status;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.cluster.ApiWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The Prometheus metrics (docs/operations.md, "Status, metrics, events and logs"; deploy/monitoring alerts on them
 * and graphs them): made from each cycle's report and the fleet status after it, so they change once per cycle.
 * Micrometer names map to Prometheus ones: arcfleet.set.runners.max is arcfleet_set_runners_max.
 */
public final class FleetMetrics {

    /** The AutoscalingRunnerSet status fields counting ephemeral runners, by the phase they count. */
    private static final Map<String, String> EPHEMERAL_RUNNER_FIELDS = Map.of("pending", "pendingEphemeralRunners",
            "running", "runningEphemeralRunners", "failed", "failedEphemeralRunners");

    private final MeterRegistry registry;
    /** Write requests so far, by kind, over every leadership term. */
    private final java.util.function.Supplier<Map<ApiWriter.WriteKind, Long>> writeCounts;
    private final Timer cycleDuration;
    private final Counter cycles;
    private final Counter failedCycles;
    private final Series setsByState;
    private final Series setState;
    private final Series runners;
    private final Series runnersMax;
    private final Series ephemeralRunners;
    private final Series cacheBytes;
    private final Series cacheLimit;
    private final Set<ApiWriter.WriteKind> meteredWrites = ConcurrentHashMap.newKeySet();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private volatile CycleReport last;
    private volatile Instant lastSuccess;

    /** @param startedAt stands for the last successful cycle until there is one */
    public FleetMetrics(MeterRegistry registry, java.util.function.Supplier<Map<ApiWriter.WriteKind, Long>> writeCounts,
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
        kept(Gauge.builder("arcfleet.config.valid", this, metrics -> flag(metrics.last != null && metrics.last.configProblem().isEmpty()))
                .description("1 when the repositories ConfigMap is valid").register(registry));
        kept(FunctionCounter.builder("arcfleet.cache.cleanup.failures", cleanupFailures, LongSupplier::getAsLong)
                .description("Deletions and clearings of cache directories that failed and are retried").register(registry));
        kept(Gauge.builder("arcfleet.leader", leading, lead -> flag(lead.getAsBoolean()))
                .description("1 while this instance leads (always, without leader election), 0 on a standby")
                .register(registry));
        kept(Gauge.builder("arcfleet.arc.controller.known", this,
                metrics -> flag(metrics.last != null && metrics.last.arcController().value().isPresent()))
                .description("1 when the ARC controller's version is known, so sets can be created").register(registry));
        kept(Gauge.builder("arcfleet.cache.stalled", caches, report -> report.get().stalled().size())
                .description("Cache operations (creating, deleting, measuring) that made no progress for arcfleet.cache.stall-after")
                .register(registry));
        kept(Gauge.builder("arcfleet.cache.problems", caches, report -> problems(report.get()))
                .description("Problems of the cache directories that readiness reports: host-root unusable, a set's directory not ready")
                .register(registry));
        setsByState = new Series(MultiGauge.builder("arcfleet.sets").description("Desired runner sets by state").register(registry));
        setState = new Series(MultiGauge.builder("arcfleet.set.state")
                .description("1 for each set's state after the last cycle, 0 for its other states").register(registry));
        runners = new Series(MultiGauge.builder("arcfleet.set.runners")
                .description("Runners of each set, as ARC reports them (currentRunners)").register(registry));
        runnersMax = new Series(MultiGauge.builder("arcfleet.set.runners.max").description("Configured maxRunners of each set")
                .register(registry));
        ephemeralRunners = new Series(MultiGauge.builder("arcfleet.set.ephemeral.runners")
                .description("Ephemeral runners of each set by phase, as ARC reports them").register(registry));
        cacheBytes = new Series(MultiGauge.builder("arcfleet.cache").baseUnit("bytes").description("Size of each set's caches")
                .register(registry));
        cacheLimit = new Series(MultiGauge.builder("arcfleet.cache.limit").baseUnit("bytes")
                .description("maxCacheSize of each set that has one").register(registry));
    }

    public void record(CycleReport report, FleetStatus status) {
        last = report;
        cycleDuration.record(report.duration());
        cycles.increment();
        if (report.succeeded()) {
            lastSuccess = report.startedAt().plus(report.duration());
        } else {
            failedCycles.increment();
        }
        Map<List<String>, Number> byState = new HashMap<>();
        Map<List<String>, Number> stateOfSet = new HashMap<>();
        for (SetStatus.State state : SetStatus.State.values()) {
            byState.put(List.of("state", name(state)), report.count(state));
        }
        for (SetStatus set : report.sets()) {
            for (SetStatus.State state : SetStatus.State.values()) {
                stateOfSet.put(List.of("set", set.name(), "state", name(state)), flag(set.state() == state));
            }
        }
        setsByState.set(byState);
        setState.set(stateOfSet);
        List<FleetStatus.RunnerSet> sets = status.repositories().stream().flatMap(repository -> repository.sets().stream())
                .toList();
        runners.set(perSet(sets, set -> count(set.runnerSet(), "currentRunners")));
        runnersMax.set(perSet(sets, set -> set.maxRunners()));
        Map<List<String>, Number> ephemeral = new HashMap<>();
        for (FleetStatus.RunnerSet set : sets) {
            EPHEMERAL_RUNNER_FIELDS.forEach((phase, field) -> {
                Number value = count(set.runnerSet(), field);
                if (value != null) {
                    ephemeral.put(List.of("set", set.name(), "phase", phase), value);
                }
            });
        }
        ephemeralRunners.set(ephemeral);
        cacheLimit.set(perSet(sets, FleetStatus.RunnerSet::cacheLimitBytes));
        cacheBytes.set(perSet(sets, FleetStatus.RunnerSet::cacheBytes));
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
    public void close() {
        meters.forEach(registry::remove);
        for (Series series : List.of(setsByState, setState, runners, runnersMax, ephemeralRunners, cacheBytes, cacheLimit)) {
            series.clear();
        }
    }

    private <T extends Meter> T kept(T meter) {
        meters.add(meter);
        return meter;
    }

    /** A row per set that has a value; a set without one (no status from ARC yet, no limit) has no series. */
    private static Map<List<String>, Number> perSet(List<FleetStatus.RunnerSet> sets,
            Function<FleetStatus.RunnerSet, Number> value) {
        Map<List<String>, Number> rows = new HashMap<>();
        for (FleetStatus.RunnerSet set : sets) {
            Number number = value.apply(set);
            if (number != null) {
                rows.put(List.of("set", set.name()), number);
            }
        }
        return rows;
    }

    /**
     * The rows of one MultiGauge, keyed by their tags as alternating keys and values. A row is registered
     * when it first appears and then reads its value from a holder the next cycles update: registering
     * every row again each cycle re-created thousands of meters at 300 sets, most of an idle cycle's CPU.
     */
    private static final class Series {
        private final MultiGauge gauge;
        private Map<List<String>, AtomicReference<Number>> rows = Map.of();

        Series(MultiGauge gauge) {
            this.gauge = gauge;
        }

        void set(Map<List<String>, Number> values) {
            if (values.keySet().equals(rows.keySet())) {
                values.forEach((tags, value) -> rows.get(tags).set(value));
                return;
            }
            Map<List<String>, AtomicReference<Number>> next = new HashMap<>();
            values.forEach((tags, value) -> next.computeIfAbsent(tags, key -> rows.getOrDefault(key, new AtomicReference<>()))
                    .set(value));
            // Rows kept from before are not registered again, so they keep reading the same holder.
            gauge.register(next.entrySet().stream().<MultiGauge.Row<?>>map(row -> MultiGauge.Row.of(
                    Tags.of(row.getKey().toArray(String[]::new)), row.getValue(), holder -> holder.get().doubleValue()))
                    .toList(), false);
            rows = next;
        }

        void clear() {
            gauge.register(List.of(), true);
            rows = Map.of();
        }
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
