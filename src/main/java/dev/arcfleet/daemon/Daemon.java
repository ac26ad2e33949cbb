package dev.arcfleet.daemon;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.settings.Placement;
import dev.arcfleet.status.CycleProgress;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.FleetMetrics;
import dev.arcfleet.status.FleetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Runs reconcile cycles on one thread, so never two at once: every interval, shortly after any
 * watched change (several changes coalesce into one cycle), and sooner after a failed cycle. Only
 * while this daemon leads: each leadership term ({@link Term}) has its own client, cache manager and reconciler.
 * Health, the API and metrics read what it publishes: a {@link DaemonSnapshot} and the fleet status.
 * Its timers are plain scheduled executors: Quarkus' scheduler checks its triggers every second,
 * which alone cost an idle daemon a tenth of a percent of a core.
 */
@ApplicationScoped
public class Daemon {

    private static final Logger LOG = Logger.getLogger(Daemon.class);
    private static final Instant PROCESS_START = Instant.now();
    /**
     * Lets a burst of watch events (a kubectl apply of many objects) settle into one cycle. Short, since
     * an unchanged set costs a cycle next to nothing, and a user's edit should show within a blink.
     */
    private static final Duration COALESCE_DELAY = Duration.ofMillis(50);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);
    /** The first cycle waits this long for the informers' initial lists rather than report a partial cluster. */
    private static final Duration INITIAL_SYNC_WAIT = Duration.ofSeconds(10);
    /** How often the informers' watches are checked, so an outage is logged and shown within seconds. */
    private static final Duration WATCH_CHECK_PERIOD = Duration.ofSeconds(1);

    @Inject
    KubernetesClient client;

    @Inject
    ArcfleetConfig config;

    @Inject
    MeterRegistry registry;

    private ScheduledFuture<?> queuedCycle;
    private long queuedCycleAt;
    private ScheduledExecutorService loopThread;
    private ScheduledExecutorService watchCheckThread;
    private ExecutorService applyPool;
    private ClusterCache cache;
    private LeaderGate leadership;
    private FleetMetrics metrics;
    /** The current leadership term; null on a standby. */
    private volatile Term term;
    private final Map<ApiWriter.WriteKind, Long> earlierTermWrites = new ConcurrentHashMap<>();
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
        CacheManager.validate(config.cache());
        startedAt = Instant.now();
        loopThread = Executors.newSingleThreadScheduledExecutor(runnable -> new Thread(runnable, "arcfleet-reconcile"));
        long intervalMillis = config.reconcile().interval().toMillis();
        loopThread.scheduleWithFixedDelay(this::requestCycle, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        applyPool = Executors.newFixedThreadPool(config.reconcile().parallelism(),
                runnable -> new Thread(runnable, "arcfleet-apply"));
        cache = new ClusterCache(client, config, this::requestCycle, () -> statusStale = true);
        metrics = new FleetMetrics(registry, this::writeCounts, () -> cacheReport(term), () -> !standingBy(),
                () -> term(current -> current.caches().cleanupFailures(), 0L), startedAt);
        leadership = new LeaderGate(client, config, Placement.current(), this::lead, this::standBy);
        leadership.start();
        // The loop thread may be busy with a long cycle; an outage must show meanwhile.
        watchCheckThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "arcfleet-watch-check");
            thread.setDaemon(true);
            return thread;
        });
        watchCheckThread.scheduleWithFixedDelay(this::checkApiServer, WATCH_CHECK_PERIOD.toMillis(),
                WATCH_CHECK_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void lead() {
        term = Term.begin(client, config, cache, applyPool, this::requestCycle, leadership::leading);
        statusStale = true;
        LOG.infof("Reconciling namespaces %s from ConfigMap %s/%s every %s", String.join(", ", Placement.runnerNamespaces(config)),
                config.namespace(), config.configMap(), config.reconcile().interval());
        // No burst of watch events to wait for: readiness waits for this cycle.
        requestCycle(Duration.ZERO);
    }

    private synchronized void standBy() {
        Term ended = term;
        if (ended == null) {
            return;
        }
        ended.close();
        ended.reconciler().writeCounts().forEach((kind, count) -> earlierTermWrites.merge(kind, count, Long::sum));
        term = null;
        lastReport = null;
        statusStale = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (startedAt == null) {
            return;
        }
        leadership.close();
        watchCheckThread.shutdownNow();
        loopThread.shutdownNow();
        applyPool.shutdownNow();
        cache.close();
        Term current = term;
        if (current != null) {
            current.close();
        }
        metrics.close();
    }

    private void checkApiServer() {
        try {
            cache.checkReachability();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again.
            LOG.error("Checking the API server's watches failed", e);
        }
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
        Term current = term;
        if (current == null || !leadership.leading()) {
            return;
        }
        cycleRunningSince = Instant.now();
        try {
            if (lastReport == null) {
                cache.awaitSynced(INITIAL_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            CycleReport report = current.reconciler().reconcileOnce();
            if (current != term) {
                return;
            }
            lastReport = report;
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
            if (current != term) {
                LOG.infof("A reconcile cycle was cut short when leadership ended: %s", e.getMessage());
                return;
            }
            LOG.error("Reconcile cycle failed", e);
            lastReport = CycleReport.crashed(cycleRunningSince, e);
            consecutiveFailures++;
            requestCycle(config.reconcile().interval());
        } finally {
            cycleRunningSince = null;
        }
    }

    /** Write requests of every leadership term so far. */
    private Map<ApiWriter.WriteKind, Long> writeCounts() {
        Map<ApiWriter.WriteKind, Long> counts = new ConcurrentHashMap<>(earlierTermWrites);
        term(current -> current.reconciler().writeCounts(), Map.<ApiWriter.WriteKind, Long>of())
                .forEach((kind, count) -> counts.merge(kind, count, Long::sum));
        return counts;
    }

    /** What the current leadership term says, or {@code otherwise} on a standby. */
    private <T> T term(Function<Term, T> question, T otherwise) {
        Term current = term;
        return current == null ? otherwise : question.apply(current);
    }

    /**
     * What health and the command line read, taken at once so that one check never mixes two moments: the
     * last cycle's report and the enforced configuration (published when a cycle ends), with what moves between
     * cycles (leadership, the API server's watches, a running cycle's progress, the node's caches) as it is now.
     */
    public DaemonSnapshot snapshot() {
        Term current = term;
        return new DaemonSnapshot(leadershipState(), standingBy(), cache != null && cache.watching(),
                cache == null ? List.of("the daemon has not started") : cache.problems(), Optional.ofNullable(lastReport),
                Optional.ofNullable(cycleRunningSince), cycleProgress(current),
                current == null ? PROCESS_START : current.startedAt(), config.reconcile().interval(), cacheReport(current),
                current == null ? Optional.empty() : current.reconciler().lastValidConfig());
    }

    /**
     * Built after a cycle or a watched change, not per request: a request costs no more than reading
     * memory, however large the fleet and however often it is polled.
     */
    public FleetStatus status() {
        Term current = term;
        LeaderGate.State leaders = leadershipState();
        if (current == null) {
            return FleetStatus.of(leaders, Optional.empty(), Optional.empty(), Optional.empty(), null, null, Map.of(),
                    Owner.of(config));
        }
        Optional<CycleProgress.Progress> progress = cycleProgress(current);
        FleetStatus published = status;
        if (published == null || statusStale || !progress.equals(statusProgress)) {
            statusStale = false;
            statusProgress = progress;
            published = FleetStatus.of(leaders, Optional.ofNullable(lastReport), progress, current.reconciler().lastValidConfig(),
                    cache, current.caches().report(), current.reconciler().lastApplied(), Owner.of(config));
            status = published;
        }
        return published;
    }

    /** The running cycle's progress through its sets, once it has begun applying them. */
    private Optional<CycleProgress.Progress> cycleProgress(Term current) {
        Instant runningSince = cycleRunningSince;
        if (current == null || runningSince == null) {
            return Optional.empty();
        }
        return current.reconciler().progress().latest().filter(progress -> !progress.startedAt().isBefore(runningSince));
    }

    private LeaderGate.State leadershipState() {
        return leadership == null ? new LeaderGate.State(false, false, null, null, null) : leadership.state();
    }

    /** A standby reconciles nothing; its readiness says so instead of reporting cycles it does not run. */
    private boolean standingBy() {
        return leadership != null && !leadership.leading();
    }

    private CacheReport cacheReport(Term current) {
        return current == null ? CacheReport.stopped(standingBy() ? "a standby manages no cache directories"
                : "the daemon has not started") : current.caches().report();
    }
}
