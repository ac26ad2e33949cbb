package dev.arcfleet.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.FleetConfig;
import dev.arcfleet.config.Owner;
import dev.arcfleet.config.Placement;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Runs reconcile cycles on one thread, so never two at once: every interval, shortly after any
 * watched change (several changes coalesce into one cycle), and sooner after a failed cycle.
 */
@ApplicationScoped
public class ReconcileLoop {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);
    private static final Instant PROCESS_START = Instant.now();
    /** Lets a burst of watch events (a kubectl apply of many objects) settle into one cycle. */
    private static final Duration COALESCE_DELAY = Duration.ofMillis(250);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);
    /** The first cycle waits this long for the informers' initial lists rather than report a partial cluster. */
    private static final Duration INITIAL_SYNC_WAIT = Duration.ofSeconds(10);

    @Inject
    KubernetesClient client;

    @Inject
    ArcfleetConfig config;

    @Inject
    MeterRegistry registry;

    private Timer cycleDuration;
    private Counter cycles;
    private Counter failedCycles;
    private MultiGauge setsByState;
    private MultiGauge cacheBytes;
    private final Set<ApiWriter.WriteKind> meteredWrites = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean cycleQueued = new AtomicBoolean();
    private ScheduledExecutorService loopThread;
    private ExecutorService applyPool;
    private ClusterCache cache;
    private LeaderGate leadership;
    /** The current leadership term's; null on a standby. */
    private volatile KubernetesClient termClient;
    private volatile CacheManager caches;
    private volatile FleetReconciler reconciler;
    private volatile Instant termStartedAt;
    private final Map<ApiWriter.WriteKind, Long> earlierTermWrites = new ConcurrentHashMap<>();
    private int consecutiveFailures;
    private volatile Instant startedAt;
    private volatile Instant cycleRunningSince;
    private volatile CycleReport lastReport;

    /** Starts watching and reconciling; the daemon command calls it, command-line tools never do. */
    public synchronized void start() {
        if (startedAt != null) {
            return;
        }
        startedAt = Instant.now();
        loopThread = Executors.newSingleThreadScheduledExecutor(runnable -> new Thread(runnable, "arcfleet-reconcile"));
        applyPool = Executors.newFixedThreadPool(config.reconcile().parallelism(),
                runnable -> new Thread(runnable, "arcfleet-apply"));
        cache = new ClusterCache(client, config, this::requestCycle);
        registerMetrics();
        leadership = new LeaderGate(client, config, Placement.current(), this::lead, this::standBy);
        leadership.start();
    }

    /**
     * A leadership term: its own API client, cache manager and reconciler, so that ending the term
     * (closing them) stops every write and directory change it started, even a request in flight.
     */
    private synchronized void lead() {
        termClient = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
        caches = new CacheManager(config.cache(), Owner.of(config).value(), Clock.systemUTC(), cache::runnerActive,
                this::requestCycle);
        reconciler = new FleetReconciler(termClient, config, cache, caches, applyPool, Clock.systemUTC());
        termStartedAt = Instant.now();
        LOG.infof("Reconciling namespace %s from ConfigMap %s every %s", config.namespace(), config.configMap(),
                config.reconcile().interval());
        requestCycle();
    }

    private synchronized void standBy() {
        if (reconciler == null) {
            return;
        }
        termClient.close();
        caches.close();
        reconciler.writeCounts().forEach((kind, count) -> earlierTermWrites.merge(kind, count, Long::sum));
        reconciler = null;
        caches = null;
        lastReport = null;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (startedAt == null) {
            return;
        }
        leadership.close();
        loopThread.shutdownNow();
        applyPool.shutdownNow();
        cache.close();
    }

    @Scheduled(every = "${arcfleet.reconcile.interval}", delayed = "${arcfleet.reconcile.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodic() {
        requestCycle();
    }

    public void requestCycle() {
        requestCycle(COALESCE_DELAY);
    }

    private void requestCycle(Duration delay) {
        if (loopThread != null && cycleQueued.compareAndSet(false, true)) {
            loopThread.schedule(this::runCycle, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void runCycle() {
        cycleQueued.set(false);
        FleetReconciler term = reconciler;
        if (term == null || !leadership.leading()) {
            return;
        }
        cycleRunningSince = Instant.now();
        try {
            if (lastReport == null) {
                cache.awaitSynced(INITIAL_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            CycleReport report = term.reconcileOnce();
            if (term != reconciler) {
                return;
            }
            lastReport = report;
            recordMetrics(lastReport);
            if (lastReport.succeeded()) {
                consecutiveFailures = 0;
            } else {
                consecutiveFailures++;
                Duration retry = FIRST_RETRY_DELAY.multipliedBy(1L << Math.min(consecutiveFailures - 1, 16));
                requestCycle(retry.compareTo(config.reconcile().interval()) < 0 ? retry : config.reconcile().interval());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (term != reconciler) {
                LOG.infof("A reconcile cycle was cut short when leadership ended: %s", e.getMessage());
                return;
            }
            LOG.error("Reconcile cycle failed", e);
            consecutiveFailures++;
        } finally {
            cycleRunningSince = null;
        }
    }

    /** Prometheus names: arcfleet_reconcile_cycle_duration_seconds, arcfleet_reconcile_cycles_total, ... */
    private void registerMetrics() {
        cycleDuration = Timer.builder("arcfleet.reconcile.cycle.duration").description("Duration of reconcile cycles")
                .publishPercentileHistogram().register(registry);
        cycles = Counter.builder("arcfleet.reconcile.cycles").description("Reconcile cycles run").register(registry);
        failedCycles = Counter.builder("arcfleet.reconcile.failures")
                .description("Reconcile cycles that left a set not ready or changed nothing because of bad input")
                .register(registry);
        Gauge.builder("arcfleet.config.valid", this, loop -> loop.lastReport().map(report -> report.configProblem() == null)
                .orElse(false) ? 1 : 0).description("1 when the repositories ConfigMap is valid").register(registry);
        setsByState = MultiGauge.builder("arcfleet.sets").description("Desired runner sets by state").register(registry);
        cacheBytes = MultiGauge.builder("arcfleet.cache").baseUnit("bytes").description("Size of each set's caches")
                .register(registry);
    }

    private void recordMetrics(CycleReport report) {
        cycleDuration.record(report.duration());
        cycles.increment();
        if (!report.succeeded()) {
            failedCycles.increment();
        }
        setsByState.register(Arrays.stream(SetStatus.State.values())
                .map(state -> MultiGauge.Row.of(Tags.of("state", state.name().toLowerCase(Locale.ROOT)), report.count(state)))
                .toList(), true);
        CacheManager termCaches = caches;
        if (termCaches == null) {
            return;
        }
        cacheBytes.register(termCaches.report().usage().entrySet().stream()
                .map(entry -> MultiGauge.Row.of(Tags.of("set", entry.getKey()), entry.getValue().bytes())).toList(), true);
        for (ApiWriter.WriteKind kind : term(FleetReconciler::writeCounts, Map.<ApiWriter.WriteKind, Long>of()).keySet()) {
            if (meteredWrites.add(kind)) {
                FunctionCounter.builder("arcfleet.api.writes", this, loop -> loop.writes(kind))
                        .description("Write requests sent to the API server").tags("verb", kind.verb(), "kind", kind.kind())
                        .register(registry);
            }
        }
    }

    /** Write requests of every leadership term so far. */
    private long writes(ApiWriter.WriteKind kind) {
        return earlierTermWrites.getOrDefault(kind, 0L) + term(FleetReconciler::writeCounts, Map.<ApiWriter.WriteKind, Long>of())
                .getOrDefault(kind, 0L);
    }

    /** What the current leadership term says, or {@code otherwise} on a standby. */
    private <T> T term(Function<FleetReconciler, T> question, T otherwise) {
        FleetReconciler term = reconciler;
        return term == null ? otherwise : question.apply(term);
    }

    /** Who leads; readiness and status show it. */
    public LeaderGate.State leadership() {
        return leadership == null ? new LeaderGate.State(false, false, null, null, null) : leadership.state();
    }

    /** A standby reconciles nothing; its readiness says so instead of reporting cycles it does not run. */
    public boolean standingBy() {
        return leadership != null && !leadership.leading();
    }

    public Optional<CycleReport> lastReport() {
        return Optional.ofNullable(lastReport);
    }

    /** When the running cycle began, if one is running. */
    public Optional<Instant> cycleRunningSince() {
        return Optional.ofNullable(cycleRunningSince);
    }

    /**
     * When the current leadership term began (without leader election, when the daemon started); before
     * that the start of this process.
     */
    public Instant startedAt() {
        return termStartedAt == null ? PROCESS_START : termStartedAt;
    }

    public boolean apiServerReachable() {
        return cache != null && cache.watching();
    }

    public List<String> apiServerProblems() {
        return cache == null ? List.of("the daemon has not started") : cache.problems();
    }

    public FleetStatus status() {
        FleetReconciler term = reconciler;
        CacheManager termCaches = caches;
        if (term == null || termCaches == null) {
            return FleetStatus.of(leadership(), Optional.empty(), Optional.empty(), null, null, Map.of(), Owner.of(config));
        }
        return FleetStatus.of(leadership(), lastReport(), term.lastValidConfig(), cache, termCaches.report(),
                term.lastApplied(), Owner.of(config));
    }

    /** The configuration being enforced, if a valid one was ever read. */
    public Optional<FleetConfig> enforcedConfig() {
        return term(FleetReconciler::lastValidConfig, Optional.empty());
    }

    public CacheReport cacheReport() {
        CacheManager termCaches = caches;
        return termCaches == null ? new CacheReport(Optional.of(standingBy() ? "a standby manages no cache directories"
                : "the daemon has not started"), Map.of(), Map.of(), Map.of(), List.of()) : termCaches.report();
    }

    public Duration interval() {
        return config.reconcile().interval();
    }
}
