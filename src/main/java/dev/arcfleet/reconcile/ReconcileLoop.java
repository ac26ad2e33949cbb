package dev.arcfleet.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Runs reconcile cycles on one thread, so never two at once: every interval, shortly after any
 * watched change (several changes coalesce into one cycle), and sooner after a failed cycle.
 */
@ApplicationScoped
public class ReconcileLoop {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);
    /** Lets a burst of watch events (a kubectl apply of many objects) settle into one cycle. */
    private static final Duration COALESCE_DELAY = Duration.ofMillis(250);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);
    /** The first cycle waits this long for the informers' initial lists rather than report a partial cluster. */
    private static final Duration INITIAL_SYNC_WAIT = Duration.ofSeconds(10);

    @Inject
    KubernetesClient client;

    @Inject
    ArcfleetConfig config;

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

    void onStart(@Observes StartupEvent event) {
        startedAt = Instant.now();
        loopThread = Executors.newSingleThreadScheduledExecutor(runnable -> new Thread(runnable, "arcfleet-reconcile"));
        applyPool = Executors.newFixedThreadPool(config.reconcile().parallelism(),
                runnable -> new Thread(runnable, "arcfleet-apply"));
        cache = new ClusterCache(client, config, this::requestCycle);
        caches = new CacheManager(config.cache(), Clock.systemUTC(), cache::runnerActive, this::requestCycle);
        reconciler = new FleetReconciler(client, config, cache, caches, applyPool);
        LOG.infof("Reconciling namespace %s from ConfigMap %s every %s", config.namespace(), config.configMap(),
                config.reconcile().interval());
        requestCycle();
    }

    void onStop(@Observes ShutdownEvent event) {
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

    public Optional<CycleReport> lastReport() {
        return Optional.ofNullable(lastReport);
    }

    /** When the running cycle began, if one is running. */
    public Optional<Instant> cycleRunningSince() {
        return Optional.ofNullable(cycleRunningSince);
    }

    public Instant startedAt() {
        return startedAt;
    }

    public boolean apiServerReachable() {
        return cache.watching();
    }

    public List<String> apiServerProblems() {
        return cache.problems();
    }

    public CacheReport cacheReport() {
        return caches.report();
    }

    public Duration interval() {
        return config.reconcile().interval();
    }
}
