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

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.FleetConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
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
    private CacheManager caches;
    private FleetReconciler reconciler;
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
        caches = new CacheManager(config.cache(), Clock.systemUTC(), cache::cacheUser, this::requestCycle);
        reconciler = new FleetReconciler(client, config, cache, caches, applyPool);
        registerMetrics();
        LOG.infof("Reconciling namespace %s from ConfigMap %s every %s", config.namespace(), config.configMap(),
                config.reconcile().interval());
        requestCycle();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (startedAt == null) {
            return;
        }
        loopThread.shutdownNow();
        applyPool.shutdownNow();
        cache.close();
        caches.close();
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
        cycleRunningSince = Instant.now();
        try {
            if (lastReport == null) {
                cache.awaitSynced(INITIAL_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            lastReport = reconciler.reconcileOnce();
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
        FunctionCounter.builder("arcfleet.cache.cleanup.failures", caches, CacheManager::cleanupFailures)
                .description("Deletions and clearings of cache directories that failed and are retried").register(registry);
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
        cacheBytes.register(caches.report().usage().entrySet().stream()
                .map(entry -> MultiGauge.Row.of(Tags.of("set", entry.getKey()), entry.getValue().bytes())).toList(), true);
        for (ApiWriter.WriteKind kind : reconciler.writeCounts().keySet()) {
            if (meteredWrites.add(kind)) {
                FunctionCounter.builder("arcfleet.api.writes", reconciler,
                        current -> current.writeCounts().getOrDefault(kind, 0L))
                        .description("Write requests sent to the API server").tags("verb", kind.verb(), "kind", kind.kind())
                        .register(registry);
            }
        }
    }

    public Optional<CycleReport> lastReport() {
        return Optional.ofNullable(lastReport);
    }

    /** When the running cycle began, if one is running. */
    public Optional<Instant> cycleRunningSince() {
        return Optional.ofNullable(cycleRunningSince);
    }

    /** When the daemon started; before {@link #start()} the start of this process. */
    public Instant startedAt() {
        return startedAt == null ? PROCESS_START : startedAt;
    }


    public boolean apiServerReachable() {
        return reconciler != null && cache.watching();
    }

    public List<String> apiServerProblems() {
        return reconciler == null ? List.of("the daemon has not started") : cache.problems();
    }

    public FleetStatus status() {
        if (reconciler == null) {
            return FleetStatus.of(Optional.empty(), Optional.empty(), null, null, Map.of());
        }
        return FleetStatus.of(lastReport(), reconciler.lastValidConfig(), cache, caches.report(), reconciler.lastApplied());
    }

    /** The configuration being enforced, if a valid one was ever read. */
    public Optional<FleetConfig> enforcedConfig() {
        return reconciler == null ? Optional.empty() : reconciler.lastValidConfig();
    }

    public CacheReport cacheReport() {
        return caches == null ? CacheReport.stopped("the daemon has not started") : caches.report();
    }

    public Duration interval() {
        return config.reconcile().interval();
    }
}
