package dev.arcfleet.leader;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Placement;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Decides whether this daemon may reconcile: with leader election, while it holds a coordination.k8s.io/v1
 * Lease through fabric8's LeaderElector; without, always. Each time it starts leading it runs {@code onStart},
 * each time it stops {@code onStop}, and then stands as a candidate again.
 * <p>
 * {@link #leading()} is the leadership token every write and every cache deletion asks. It is revoked at the renew
 * deadline at the latest, counted on the local monotonic clock ({@link System#nanoTime()}) from the moment the
 * last successful renewal was sent: before the Lease can expire, which other replicas count from when they saw
 * that renewal (after it was sent) plus the lease duration, longer than the renew deadline. A wall clock that
 * steps cannot stretch it. It does not rely on the elector noticing: a renewal stuck on an unreachable API
 * server would notice only when its request times out.
 */
public final class LeaderGate implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LeaderGate.class);

    /**
     * Who leads, for readiness and {@code /api/v1/status}.
     *
     * @param electing whether leader election is on; without it this daemon always leads
     * @param leader the identity holding the Lease, if known
     */
    @RegisterForReflection
    public record State(boolean electing, boolean leading, String identity, String lease, String leader) {

        public String role() {
            return leading ? "leader" : "standby";
        }
    }

    private final ArcfleetConfig.LeaderElection settings;
    private final boolean electing;
    private final String identity;
    private final String leaseNamespace;
    private final String leaseName;
    private final Runnable onStart;
    private final Runnable onStop;
    private final KubernetesClient electorClient;
    private final ScheduledThreadPoolExecutor control = new ScheduledThreadPoolExecutor(1,
            runnable -> daemon(runnable, "arcfleet-lease-control"));
    private final ExecutorService electorThreads = Executors.newCachedThreadPool(
            runnable -> daemon(runnable, "arcfleet-leader-election"));
    private volatile boolean leading;
    /** {@link System#nanoTime()} at which the token lapses, unless a renewal moves it; lapsed until the first. */
    private volatile long renewDeadline = System.nanoTime();
    /** Checks at the renew deadline of the last renewal; each renewal moves it, so nothing wakes in between. */
    private final AtomicReference<ScheduledFuture<?>> deadlineCheck = new AtomicReference<>();
    private volatile String leader;
    private LeaderElector elector;
    private CompletableFuture<?> candidacy;
    private boolean closed;

    /**
     * @param client the daemon's client; the elector gets one of its own with request timeouts of one
     *        retry period, so that a hanging request holds no renewal or release for long
     */
    public LeaderGate(KubernetesClient client, ArcfleetConfig config, Placement placement, Runnable onStart,
            Runnable onStop) {
        this.settings = config.leaderElection();
        this.electing = placement.leaderElection(config);
        this.identity = identity();
        this.leaseNamespace = placement.leaseNamespace(config);
        this.leaseName = placement.leaseName(config);
        this.onStart = onStart;
        this.onStop = onStop;
        // A renewal cancels the check it replaces; left queued, it would still wake the thread.
        control.setRemoveOnCancelPolicy(true);
        if (electing) {
            validate(settings);
            int timeoutMillis = Math.toIntExact(settings.retryPeriod().toMillis());
            electorClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                    .withRequestTimeout(timeoutMillis).withConnectionTimeout(timeoutMillis)
                    .withRequestRetryBackoffLimit(0).build())
                    .withKubernetesSerialization(client.getKubernetesSerialization()).build();
        } else {
            electorClient = null;
        }
    }

    /** The timings must leave a renewing leader time to stop before its Lease can expire. */
    static void validate(ArcfleetConfig.LeaderElection settings) {
        if (settings.renewDeadline().compareTo(settings.leaseDuration()) >= 0
                || settings.retryPeriod().compareTo(settings.renewDeadline()) >= 0
                || settings.retryPeriod().isNegative() || settings.retryPeriod().isZero()) {
            throw new IllegalArgumentException("arcfleet.leader-election needs 0 < retry-period < renew-deadline"
                    + " < lease-duration, got " + settings.retryPeriod() + ", " + settings.renewDeadline() + ", "
                    + settings.leaseDuration());
        }
    }

    public synchronized void start() {
        if (!electing) {
            leading = true;
            leader = identity;
            onStart.run();
            return;
        }
        LOG.infof("Leader election on Lease %s/%s as %s; standing by until it is ours", leaseNamespace, leaseName,
                identity);
        stand();
    }

    /**
     * The leadership token: whether this daemon may write now. It leads, and, with election, its last successful
     * renewal was sent less than the renew deadline ago. Reads memory only, no request.
     */
    public boolean leading() {
        return leading && (!electing || System.nanoTime() - renewDeadline < 0);
    }

    public State state() {
        return new State(electing, leading(), identity, electing ? leaseNamespace + "/" + leaseName : null, leader);
    }

    /** A fresh elector: fabric8's cannot be started twice. */
    private synchronized void stand() {
        if (closed) {
            return;
        }
        Lock lease = new RenewalRecordingLock(new LeaseLock(leaseNamespace, leaseName, identity));
        LeaderCallbacks callbacks = new LeaderCallbacks(() -> onControl(this::lead),
                () -> onControl(() -> stepDown("it lost the Lease")), this::observedLeader);
        elector = new LeaderElectorBuilder(electorClient, electorThreads)
                .withConfig(new LeaderElectionConfigBuilder().withName("arcfleet").withLock(lease)
                        .withLeaseDuration(settings.leaseDuration()).withRenewDeadline(settings.renewDeadline())
                        .withRetryPeriod(settings.retryPeriod()).withLeaderCallbacks(callbacks).build())
                .build();
        CompletableFuture<?> started = elector.start();
        candidacy = started;
        started.whenComplete((ignored, error) -> onControl(() -> {
            stepDown("its renewals of the Lease stopped");
            if (candidacy == started) {
                stand();
            }
        }));
    }

    /** Leadership changes run one at a time, on the control thread; none after {@link #close()}. */
    private void onControl(Runnable change) {
        try {
            control.execute(change);
        } catch (RejectedExecutionException e) {
            LOG.debug("Leadership change after shutdown ignored");
        }
    }

    private void lead() {
        synchronized (this) {
            if (closed || leading || System.nanoTime() - renewDeadline >= 0) {
                return;
            }
            leading = true;
            leader = identity;
        }
        LOG.infof("Leading: holds Lease %s/%s as %s", leaseNamespace, leaseName, identity);
        onStart.run();
    }

    private void checkAtDeadline(long deadline) {
        long delayMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
        try {
            ScheduledFuture<?> previous = deadlineCheck.getAndSet(control.schedule(this::watchdog, delayMillis,
                    TimeUnit.MILLISECONDS));
            if (previous != null) {
                previous.cancel(false);
            }
        } catch (RejectedExecutionException e) {
            LOG.debug("Renewal after shutdown ignored");
        }
    }

    private void watchdog() {
        long deadline = renewDeadline;
        if (leading && System.nanoTime() - deadline < 0) {
            // Woken early by the clock's rounding, or a renewal moved the deadline meanwhile.
            checkAtDeadline(deadline);
            return;
        }
        if (leading) {
            stepDown("it could not renew the Lease within " + settings.renewDeadline().toMillis() + " ms");
            CompletableFuture<?> stale = candidacy;
            // Off the control thread: cancelling tries to release the Lease, a request that may hang.
            electorThreads.execute(() -> stale.cancel(true));
        }
    }

    /** Stops all work of this term; runs on the control thread, or in {@link #close()}. */
    private void stepDown(String why) {
        stepDown(Logger.Level.WARN, why);
    }

    private void stepDown(Logger.Level level, String why) {
        synchronized (this) {
            if (!leading) {
                return;
            }
            leading = false;
        }
        LOG.logf(level, "Stopped leading, because %s: writes and cache work stopped", why);
        onStop.run();
    }

    private void observedLeader(String holder) {
        leader = holder;
        if (holder != null && !holder.equals(identity)) {
            LOG.infof("Lease %s/%s is held by %s", leaseNamespace, leaseName, holder);
        }
    }

    /** Stops leading first, then lets the Lease go, so a standby takes over at once rather than after it expires. */
    @Override
    public void close() {
        CompletableFuture<?> last;
        LeaderElector lastElector;
        synchronized (this) {
            closed = true;
            last = candidacy;
            lastElector = elector;
        }
        stepDown(Logger.Level.INFO, "arcfleet is shutting down");
        if (last != null) {
            last.cancel(true);
            try {
                // Only if the Lease is still this daemon's.
                lastElector.release();
            } catch (KubernetesClientException e) {
                LOG.infof("Could not let the Lease go, a standby takes it when it expires: %s", e.getMessage());
            }
        }
        control.shutdownNow();
        electorThreads.shutdownNow();
        if (electorClient != null) {
            electorClient.close();
        }
    }

    /** A Lease record as this daemon last saw it change, and when, by its own clock. */
    private record Observed(String holder, ZonedDateTime renewTime, int transitions, ZonedDateTime at) {

        boolean same(LeaderElectionRecord record) {
            return Objects.equals(holder, record.getHolderIdentity()) && Objects.equals(renewTime, record.getRenewTime())
                    && transitions == record.getLeaderTransitions();
        }
    }

    /**
     * Notes each renewal this daemon wrote, the token counting from when it was sent; and hands
     * fabric8's elector every other holder's record with its renewTime replaced by the moment this daemon saw
     * the record change. fabric8 takes a Lease over once {@code renewTime + leaseDuration} has passed by the
     * local clock, comparing one replica's clock with another's: a leader whose clock runs 10 s behind, renewing
     * every 8 s, looked expired to a standby and both led. client-go times the Lease from when it observed the
     * record change instead, which no clock difference can shorten; this does the same, since fabric8's check
     * ({@code canBecomeLeader}) is final and its clock static.
     */
    private final class RenewalRecordingLock implements Lock {
        private final Lock lease;
        private Observed observed;

        RenewalRecordingLock(Lock lease) {
            this.lease = lease;
        }

        @Override
        public LeaderElectionRecord get(KubernetesClient client) {
            LeaderElectionRecord record = lease.get(client);
            if (record == null || identity.equals(record.getHolderIdentity()) || record.getRenewTime() == null) {
                return record;
            }
            if (observed == null || !observed.same(record)) {
                observed = new Observed(record.getHolderIdentity(), record.getRenewTime(), record.getLeaderTransitions(),
                        ZonedDateTime.now(ZoneOffset.UTC));
            }
            return record.toBuilder().renewTime(observed.at()).build();
        }

        @Override
        public void create(KubernetesClient client, LeaderElectionRecord record) {
            long sent = System.nanoTime();
            lease.create(client, record);
            renewed(record, sent);
        }

        @Override
        public void update(KubernetesClient client, LeaderElectionRecord record) {
            long sent = System.nanoTime();
            lease.update(client, record);
            renewed(record, sent);
        }

        private void renewed(LeaderElectionRecord record, long sent) {
            if (identity.equals(record.getHolderIdentity())) {
                renewDeadline = sent + settings.renewDeadline().toNanos();
                checkAtDeadline(renewDeadline);
            }
        }

        @Override
        public String identity() {
            return lease.identity();
        }

        @Override
        public String describe() {
            return lease.describe();
        }
    }

    /** Pod name in a cluster (HOSTNAME), else the host's name; a random suffix keeps two processes on one host apart. */
    private static String identity() {
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).filter(name -> !name.isBlank()).orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "arcfleet";
            }
        });
        return host + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }
}
