package dev.arcfleet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.CuttableProxy;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import dev.arcfleet.testing.TestSettings;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Two daemons, each the real {@link dev.arcfleet.daemon.Daemon} with leader election, on one API server, each behind
 * a proxy the test can cut as a network partition or a killed process would look.
 */
class LeaderElectionTest {

    private static final String TWO_REPOSITORIES = """
            repositories:
              - name: acme/tools
                instances: 2
              - name: acme/web
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FleetFixture fleet;
    private final List<Replica> daemons = new ArrayList<>();

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("ha");
        writeRepositories(TWO_REPOSITORIES);
    }

    @AfterEach
    void tearDown() {
        daemons.forEach(Replica::close);
        fleet.close();
    }

    /** With the shipped timings, so the failover it prints is the one docs/high-availability.md documents. */
    @Test
    void oneDaemonWritesEachObjectOnceAndTheOtherTakesOverWhenItIsKilled() {
        TestSettings settings = settings();
        Duration leaseDuration = settings.leaderElection().leaseDuration();
        Duration retryPeriod = settings.leaderElection().retryPeriod();
        Pair pair = startConverged(settings);
        Replica leader = pair.leader();
        Replica standby = pair.standby();

        assertTrue(standby.loop.snapshot().standingBy(), "two leaders");
        assertTrue(standby.loop.snapshot().lastReport().isEmpty(), "the standby ran a cycle");
        // The standby reads the Lease every retry period; the leader may converge before its next read.
        Poll.until(FleetFixture.TIMEOUT, "the standby to see who leads", () -> standby.loop.snapshot().leadership().leader(),
                leader.loop.snapshot().leadership().identity()::equals);
        Map<String, List<String>> writers = managedObjectWriters();
        assertEquals(Set.copyOf(fleet.managedObjects().stream().map(LeaderElectionTest::objectKey).toList()),
                writers.keySet(), "every managed object, and nothing else, was written");
        writers.forEach((object, agents) -> assertEquals(List.of(leader.userAgent), agents, object + " written by " + agents));

        Instant lastRenewal = lease().getSpec().getRenewTime().toInstant();
        Instant killed = Instant.now();
        leader.proxy.cut();
        Poll.until(leaseDuration.multipliedBy(2), "the standby to take over", () -> standby.loop.snapshot().standingBy(), leading -> !leading);
        Instant tookOver = Instant.now();
        Duration failover = Duration.between(killed, tookOver);
        System.out.printf("Failover (lease %s, renew deadline %s, retry %s): %d ms after the kill, %d ms after the"
                + " killed leader's last renewal%n", leaseDuration, settings.leaderElection().renewDeadline(), retryPeriod,
                failover.toMillis(), Duration.between(lastRenewal, tookOver).toMillis());
        // The standby may take over once the Lease expired, and tries every retry period (jittered up to 2.2 of it).
        assertTrue(failover.compareTo(leaseDuration.plus(retryPeriod.multipliedBy(3))) < 0, "failover took " + failover);

        writeRepositories("""
                repositories:
                  - name: acme/tools
                  - name: acme/api
                """);
        awaitConverged(standby, "arc-runner-acme-tools-1", "arc-runner-acme-api-1");
        assertEquals(0, writesSince(leader.userAgent, killed), "the killed leader wrote");
    }

    /**
     * Idle CPU in a cluster, where election is on by default: between renewals neither the leader's nor the
     * standby's leadership thread wakes (it used to check the renew deadline 10 times a second).
     */
    @Test
    void leadershipThreadsSleepBetweenRenewals() throws IOException {
        TestSettings settings = settings();
        startConverged(settings);
        long before = leadershipThreadWakeUps();
        Instant renewed = lease().getSpec().getRenewTime().toInstant();
        // Renewals come one retry period apart: a renewal time past the next one means two more renewals.
        Poll.until(FleetFixture.TIMEOUT, "the leader to renew its Lease twice", () -> lease().getSpec().getRenewTime()
                .toInstant(), renewTime -> renewTime.isAfter(renewed.plus(settings.leaderElection().retryPeriod())));
        long woken = leadershipThreadWakeUps() - before;
        assertTrue(woken < 10, "the leadership threads of a leader and a standby woke " + woken
                + " times over two renewals");
    }

    /** Context switches so far of this JVM's "arcfleet-lease-control" threads ("comm" keeps 15 characters), from /proc. */
    private static long leadershipThreadWakeUps() throws IOException {
        long switches = 0;
        try (var tasks = Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().equals("arcfleet-lease-")) {
                    switches += Files.readAllLines(task.resolve("status")).stream()
                            .filter(line -> line.startsWith("voluntary_ctxt_switches:"))
                            .mapToLong(line -> Long.parseLong(line.split(":")[1].strip())).sum();
                }
            }
        }
        return switches;
    }

    @Test
    void aLeaderCutOffFromTheApiServerStopsBeforeItsLeaseExpiresAndNeverWritesAfter() {
        TestSettings settings = settings().leaseTimings(Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(1));
        Duration leaseDuration = settings.leaderElection().leaseDuration();
        Pair pair = startConverged(settings);
        Replica leader = pair.leader();
        Replica standby = pair.standby();

        Instant cut = Instant.now();
        leader.proxy.cut();
        Poll.until(leaseDuration.multipliedBy(2), "the cut-off leader to stop", () -> leader.loop.snapshot().standingBy(), stopped -> stopped);
        Instant stopped = Instant.now();
        Lease lease = lease();
        assertEquals(leader.loop.snapshot().leadership().identity(), lease.getSpec().getHolderIdentity(), "taken over already");
        Instant expires = lease.getSpec().getRenewTime().toInstant().plus(leaseDuration);
        System.out.printf("The cut-off leader stopped %d ms after the cut, %d ms before its Lease expired%n",
                Duration.between(cut, stopped).toMillis(), Duration.between(stopped, expires).toMillis());
        assertTrue(stopped.isBefore(expires), "stopped at " + stopped + ", after its Lease expired at " + expires);
        Poll.until(FleetFixture.TIMEOUT, "the stopped leader's term to end", () -> leader.loop.snapshot().lastReport().isEmpty()
                && leader.loop.snapshot().cacheReport().problem().isPresent());

        Poll.until(leaseDuration.multipliedBy(2), "the standby to take over", () -> standby.loop.snapshot().standingBy(), leading -> !leading);
        writeRepositories("""
                repositories:
                  - name: acme/tools
                """);
        awaitConverged(standby, "arc-runner-acme-tools-1");

        // Back in touch, the old leader sees every change but, a standby now, acts on none.
        leader.proxy.restore();
        Poll.until(FleetFixture.TIMEOUT, "the old leader's watches to reopen", () -> leader.loop.snapshot().apiServerReachable());
        writeRepositories(TWO_REPOSITORIES);
        awaitConverged(standby, "arc-runner-acme-tools-1", "arc-runner-acme-tools-2", "arc-runner-acme-web-1");
        assertTrue(leader.loop.snapshot().standingBy(), "both lead");
        assertEquals(0, writesSince(leader.userAgent, cut), "the old leader wrote after it was cut off");
    }

    private TestSettings settings() {
        try {
            return new TestSettings(fleet.namespace).controllerNamespace(fleet.controllerNamespace())
                    .cacheHostRoot(Files.createTempDirectory("arcfleet-ha-cache")).leaderElection(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Pair(Replica leader, Replica standby) {
    }

    /** Two daemons of one configuration, started at once; returns them when the leader has converged. */
    private Pair startConverged(TestSettings settings) {
        Replica first = start("a", settings);
        Replica second = start("b", settings);
        Replica leader = awaitLeader(first, second);
        awaitConverged(leader, "arc-runner-acme-tools-1", "arc-runner-acme-tools-2", "arc-runner-acme-web-1");
        return new Pair(leader, leader == first ? second : first);
    }

    private Replica start(String name, TestSettings settings) {
        Replica daemon = new Replica("arcfleet-test-" + name + "/" + fleet.namespace, settings);
        daemons.add(daemon);
        return daemon;
    }

    private static Replica awaitLeader(Replica... candidates) {
        return Poll.until(FleetFixture.TIMEOUT, "a leader", () -> List.of(candidates).stream()
                .filter(daemon -> !daemon.loop.snapshot().standingBy()).toList(), leaders -> leaders.size() == 1).get(0);
    }

    private static void awaitConverged(Replica leader, String... sets) {
        Poll.until(FleetFixture.TIMEOUT, "the leader to converge on " + List.of(sets), () -> leader.loop.snapshot().lastReport()
                .filter(report -> report.succeeded() && report.writes() == 0 && report.pruned() == 0
                        && report.sets().stream().map(SetStatus::name).collect(Collectors.toSet()).equals(Set.of(sets)))
                .isPresent());
    }

    private void writeRepositories(String yaml) {
        fleet.client.resource(ArcFixtures.repositories(fleet.namespace, yaml)).serverSideApply();
    }

    private Lease lease() {
        return fleet.client.leases().inNamespace(fleet.namespace).withName("arcfleet." + Owner.of(settings()).value()).get();
    }

    private static String objectKey(String managedObject) {
        String[] kindAndName = managedObject.split("/");
        String resource = switch (kindAndName[0]) {
            case "AutoscalingRunnerSet" -> "autoscalingrunnersets";
            case "ServiceAccount" -> "serviceaccounts";
            case "Role" -> "roles";
            case "RoleBinding" -> "rolebindings";
            case "Secret" -> "secrets";
            case "ConfigMap" -> "configmaps";
            default -> throw new AssertionError(managedObject);
        };
        return resource + "/" + kindAndName[1];
    }

    /** Who wrote each object of the namespace, but the Lease and the test's own writes, in order. */
    private Map<String, List<String>> managedObjectWriters() {
        return writes().stream().filter(write -> write.userAgent().startsWith("arcfleet-test-"))
                .collect(Collectors.groupingBy(Write::object, Collectors.mapping(Write::userAgent, Collectors.toList())));
    }

    private long writesSince(String userAgent, Instant since) {
        return writes().stream().filter(write -> write.userAgent().equals(userAgent) && !write.received().isBefore(since))
                .count();
    }

    private record Write(String object, String userAgent, Instant received) {
    }

    /** Write requests in the namespace, from the audit log; Events and the Lease are neither managed objects. */
    private List<Write> writes() {
        return TestApiServer.auditedWrites(fleet.namespace).stream().map(LeaderElectionTest::parse)
                .filter(write -> !write.object().startsWith("leases/")).toList();
    }

    private static Write parse(String line) {
        try {
            JsonNode event = JSON.readTree(line);
            JsonNode object = event.path("objectRef");
            return new Write(object.path("resource").asText() + "/" + object.path("name").asText(),
                    event.path("userAgent").asText(), Instant.parse(event.path("requestReceivedTimestamp").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A daemon as ArcfleetMain starts it, reaching the API server through a proxy of its own. */
    private static final class Replica implements AutoCloseable {
        final CuttableProxy proxy;
        final String userAgent;
        final dev.arcfleet.daemon.Daemon loop = new dev.arcfleet.daemon.Daemon();

        Replica(String userAgent, TestSettings settings) {
            this.userAgent = userAgent;
            java.net.URI apiServer = java.net.URI.create(TestApiServer.config().getMasterUrl());
            proxy = new CuttableProxy(apiServer);
            loop.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(TestApiServer.config())
                    .withMasterUrl(proxy.url()).withUserAgent(userAgent).build()).build();
            loop.config = settings;
            loop.registry = new SimpleMeterRegistry();
            loop.start();
        }

        @Override
        public void close() {
            loop.onStop(null);
            loop.client.close();
            proxy.close();
        }
    }

}
