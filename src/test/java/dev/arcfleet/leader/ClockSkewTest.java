package dev.arcfleet.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.settings.Placement;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;

/**
 * Two replicas whose clocks differ by 10 s: the leader's runs behind, so every renewTime it writes is 10 s old by
 * the standby's clock. It renews every 8 s, within its renew deadline (10 s), so by its own clock its Lease
 * (15 s) never comes near expiring. The standby must never lead beside it, and must take over once it stops.
 */
class ClockSkewTest {

    private static final Duration SKEW = Duration.ofSeconds(10);
    private static final Duration RENEW_EVERY = Duration.ofSeconds(8);
    private static final Duration WATCHED = Duration.ofSeconds(30);
    private static final String SKEWED_LEADER = "skewed-leader";

    private FleetFixture fleet;
    private final ScheduledExecutorService skewedLeader = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger renewals = new AtomicInteger();

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("skew");
        fleet.settings.leaderElection(true).leaseNamespace(fleet.namespace);
    }

    @AfterEach
    void tearDown() {
        skewedLeader.shutdownNow();
        fleet.close();
    }

    @Test
    void aStandbyNeverLeadsBesideALeaderWhoseClockIsBehind() {
        Placement placement = new Placement(Optional.of(fleet.namespace));
        String leaseName = placement.leaseName(fleet.settings);
        Instant acquired = Instant.now().minus(SKEW);
        skewedLeader.scheduleAtFixedRate(() -> renew(leaseName, acquired), 0, RENEW_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        Poll.until(Duration.ofSeconds(10), "the skewed leader's Lease", () -> holder(leaseName).equals(SKEWED_LEADER));

        AtomicBoolean led = new AtomicBoolean();
        try (LeaderGate standby = new LeaderGate(fleet.client, fleet.settings, placement, () -> led.set(true), () -> { })) {
            standby.start();
            long until = System.nanoTime() + WATCHED.toNanos();
            while (System.nanoTime() < until) {
                assertFalse(led.get() || standby.leading(), () -> "the standby led beside a leader that renews in time, "
                        + (WATCHED.toNanos() - (until - System.nanoTime())) / 1_000_000 + " ms after it started");
                Poll.until(Duration.ofSeconds(1), "a moment", () -> true);
            }
            assertEquals(SKEWED_LEADER, holder(leaseName));
            assertTrue(renewals.get() >= WATCHED.toSeconds() / RENEW_EVERY.toSeconds(), "the skewed leader kept renewing");

            skewedLeader.shutdownNow();
            long stopped = System.nanoTime();
            Poll.until(Duration.ofSeconds(30), "the standby to take over once the leader stopped renewing", standby::leading);
            System.out.printf("took over %d ms after the skewed leader stopped renewing%n",
                    (System.nanoTime() - stopped) / 1_000_000);
        }
    }

    /** What a leader whose clock is {@link #SKEW} behind writes when it renews. */
    private void renew(String leaseName, Instant acquired) {
        ZonedDateTime renewTime = Instant.now().minus(SKEW).atZone(ZoneOffset.UTC);
        Lease lease = new LeaseBuilder().withNewMetadata().withName(leaseName).withNamespace(fleet.namespace).endMetadata()
                .withNewSpec().withHolderIdentity(SKEWED_LEADER).withLeaseDurationSeconds(15)
                .withAcquireTime(acquired.atZone(ZoneOffset.UTC)).withRenewTime(renewTime).withLeaseTransitions(0).endSpec()
                .build();
        var leases = fleet.client.leases().inNamespace(fleet.namespace);
        if (leases.withName(leaseName).get() == null) {
            leases.resource(lease).create();
        } else {
            leases.withName(leaseName).edit(current -> {
                current.getSpec().setHolderIdentity(SKEWED_LEADER);
                current.getSpec().setRenewTime(renewTime);
                return current;
            });
        }
        renewals.incrementAndGet();
    }

    private String holder(String leaseName) {
        Lease lease = fleet.client.leases().inNamespace(fleet.namespace).withName(leaseName).get();
        return lease == null ? "" : String.valueOf(lease.getSpec().getHolderIdentity());
    }
}
