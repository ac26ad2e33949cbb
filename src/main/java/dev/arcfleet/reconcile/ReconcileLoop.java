package dev.arcfleet.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.FleetConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
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

    private ScheduledFuture<?> queuedCycle;
    private long queuedCycleAt;
    private ScheduledExecutorService loopThread;
    private ExecutorService applyPool;
    private ClusterCache cache;
    private CacheManager caches;
    private FleetReconciler reconciler;
    private FleetMetrics metrics;
    private int consecutiveFailures;
    private volatile Instant startedAt;
    private volatile Instant cycleRunningSince;
    private volatile CycleReport lastReport;
    private volatile FleetStatus status;
    private volatile boolean statusStale = true;
    private volatile Optional<CycleProgress.Progress> statusProgress = Optional.empty();

    /** Starts watching and reconciling; the daemon command calls it, command-line tools never do. */
    public synchronized void start() {
        if (startedAt != null) {
            return;
        }
        startedAt = Instant.now();
        loopThread = Executors.newSingleThreadScheduledExecutor(runnable -> new Thread(runnable, "arcfleet-reconcile"));
        applyPool = Executors.newFixedThreadPool(config.reconcile().parallelism(),
                runnable -> new Thread(runnable, "arcfleet-apply"));
        cache = new ClusterCache(client, config, this::requestCycle, () -> statusStale = true);
        caches = new CacheManager(config.cache(), Clock.systemUTC(), cache::runnerActive, this::requestCycle);
        reconciler = new FleetReconciler(client, config, cache, caches, applyPool, Clock.systemUTC());
        metrics = new FleetMetrics(registry, reconciler, caches, startedAt);
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
        metrics.close();
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void checkApiServer() {
        if (cache != null) {
            cache.checkReachability();
        }
    }

    @Scheduled(every = "${arcfleet.reconcile.interval}", delayed = "${arcfleet.reconcile.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodic() {
        requestCycle();
    }

    public void requestCycle() {
        requestCycle(COALESCE_DELAY);
    }

    /**
     * Runs a cycle after {@code delay}, unless one is already due sooner. A later request never waits
     * behind an earlier, longer retry delay: a failing set must not hold back a ConfigMap edit.
     */
    private synchronized void requestCycle(Duration delay) {
        if (loopThread == null) {
            return;
        }
        long runAt = System.nanoTime() + delay.toNanos();
        if (queuedCycle != null && !queuedCycle.isDone() && queuedCycleAt - runAt <= 0) {
            return;
        }
        if (queuedCycle != null) {
            queuedCycle.cancel(false);
        }
        queuedCycleAt = runAt;
        queuedCycle = loopThread.schedule(this::runCycle, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runCycle() {
        synchronized (this) {
            queuedCycle = null;
        }
        cycleRunningSince = Instant.now();
        try {
            if (lastReport == null) {
                cache.awaitSynced(INITIAL_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            lastReport = reconciler.reconcileOnce();
            statusStale = true;
            metrics.record(lastReport, status());
            if (lastReport.succeeded()) {
                consecutiveFailures = 0;
            } else {
                consecutiveFailures++;
                Duration retry = FIRST_RETRY_DELAY.multipliedBy(1L << Math.min(consecutiveFailures - 1, 16));
                requestCycle(retry.compareTo(config.reconcile().interval()) < 0 ? retry : config.reconcile().interval());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (VirtualMachineError e) {
            // Out of memory (or worse): state can no longer be trusted. Exit so that Kubernetes or systemd
            // restarts the daemon; what it applied stays, and the next start reconciles from the cluster.
            LOG.fatal("Reconcile cycle hit " + e + "; exiting so the daemon is restarted", e);
            Runtime.getRuntime().halt(3);
        } catch (Throwable e) {
            LOG.error("Reconcile cycle failed", e);
            lastReport = CycleReport.crashed(cycleRunningSince, e);
            consecutiveFailures++;
            requestCycle(config.reconcile().interval());
        } finally {
            cycleRunningSince = null;
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

    /**
     * Built after a cycle or a watched change, not per request: a request costs no more than reading
     * memory, however large the fleet and however often it is polled.
     */
    public FleetStatus status() {
        if (reconciler == null) {
            return FleetStatus.of(Optional.empty(), Optional.empty(), Optional.empty(), null, null, Map.of());
        }
        Optional<CycleProgress.Progress> progress = cycleProgress();
        FleetStatus current = status;
        if (current == null || statusStale || !progress.equals(statusProgress)) {
            statusStale = false;
            statusProgress = progress;
            current = FleetStatus.of(lastReport(), progress, reconciler.lastValidConfig(), cache, caches.report(),
                    reconciler.lastApplied());
            status = current;
        }
        return current;
    }

    /** The running cycle's progress through its sets, once it has begun applying them. */
    public Optional<CycleProgress.Progress> cycleProgress() {
        Instant runningSince = cycleRunningSince;
        if (reconciler == null || runningSince == null) {
            return Optional.empty();
        }
        return reconciler.progress().latest().filter(progress -> !progress.startedAt().isBefore(runningSince));
    }

    /** The configuration being enforced, if a valid one was ever read. */
    public Optional<FleetConfig> enforcedConfig() {
        return reconciler == null ? Optional.empty() : reconciler.lastValidConfig();
    }

    public CacheReport cacheReport() {
        return caches == null ? new CacheReport(Optional.of("the daemon has not started"), Map.of(), Map.of(), Map.of(),
                List.of()) : caches.report();
    }

    public Duration interval() {
        return config.reconcile().interval();
    }
}
