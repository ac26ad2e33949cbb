package dev.arcfleet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.DesiredCache;
import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.EventRecorder;
import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.settings.Placement;
import dev.arcfleet.testing.CuttableProxy;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The leadership token as the daemon wires it ({@link LeaderGate#leading()} to the writer and the cache manager),
 * on a real Lease whose renewals the test blocks by cutting the elector off from the API server: the token lapses
 * before the Lease can expire, after which no write is sent and a deletion under way stops.
 */
class LeaseFenceTest {

    private static final Duration LEASE_DURATION = Duration.ofSeconds(4);
    private static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
    private static final Duration RETRY_PERIOD = Duration.ofMillis(800);
    private static final String SET = "arc-runner-acme-tools-1";

    @TempDir
    Path hostRoot;

    private FleetFixture fleet;
    private CuttableProxy proxy;
    private KubernetesClient electorClient;
    private LeaderGate gate;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("fence");
        fleet.settings.leaderElection(true).leaseNamespace(fleet.namespace).leaseTimings(LEASE_DURATION, RENEW_DEADLINE,
                RETRY_PERIOD).cacheHostRoot(hostRoot).orphanRetention("0");
        proxy = new CuttableProxy(URI.create(TestApiServer.config().getMasterUrl()));
        electorClient = proxy.client();
        gate = new LeaderGate(electorClient, fleet.settings, new Placement(Optional.of(fleet.namespace)), () -> { }, () -> { });
        gate.start();
        Poll.until(FleetFixture.TIMEOUT, "the gate to lead", gate::leading);
    }

    @AfterEach
    void tearDown() {
        gate.close();
        electorClient.close();
        proxy.close();
        fleet.close();
    }

    @Test
    void aWriteAfterTheTokenLapsedIsRefusedAndNothingIsSent() {
        String userAgent = "arcfleet-fence-test/" + fleet.namespace;
        ConfigMap probe = fleet.client.resource(new ConfigMapBuilder().withNewMetadata().withName("probe")
                .withNamespace(fleet.namespace).endMetadata().build()).create();
        try (KubernetesClient writerClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(TestApiServer.config())
                .withUserAgent(userAgent).build()).build(); ApiWriter writer = new ApiWriter(writerClient, gate::leading, 1)) {
            assertTrue(writer.annotate(probe, "arcfleet.dev/fence", Optional.of("while-leading")).isPresent());
            Poll.until(FleetFixture.TIMEOUT, "the write while leading in the audit log", () -> writesBy(userAgent) == 1);

            Lapse lapse = blockRenewalsUntilTheTokenLapses();
            ConfigMap current = fleet.client.configMaps().inNamespace(fleet.namespace).withName("probe").get();
            assertThrows(ApiWriter.FencedException.class,
                    () -> writer.annotate(current, "arcfleet.dev/fence", Optional.of("after-the-lapse")));
            new EventRecorder(writer).normal(current, "Fenced", "an event after the lapse");

            assertEquals(Map.of(new ApiWriter.WriteKind("annotate", "ConfigMap"), 1L), writer.writeCounts(),
                    "requests the writer sent");
            assertEquals("while-leading", fleet.client.configMaps().inNamespace(fleet.namespace).withName("probe").get()
                    .getMetadata().getAnnotations().get("arcfleet.dev/fence"));
            assertEquals(1, writesBy(userAgent), "write requests the API server received from the writer");
            assertEquals(0, TestApiServer.auditedRequests(fleet.namespace).stream()
                    .filter(line -> line.contains(userAgent) && line.contains("\"resource\":\"events\"")).count(), "events sent");
            System.out.printf("token lapsed %d ms after the last renewal, %d ms before the Lease could expire%n",
                    lapse.afterRenewal().toMillis(), lapse.beforeExpiry().toMillis());
        }
    }

    @Test
    void aDeletionStopsWithinTheRenewDeadlineOnceRenewalsAreBlocked() throws Exception {
        try (CacheManager caches = new CacheManager(fleet.settings.cache(), Owner.of(fleet.settings).value(), Clock.systemUTC(),
                set -> Optional.empty(), () -> { }, gate::leading)) {
            caches.desire(Map.of(SET, new DesiredCache(SET, "acme/tools", List.of(new CachePath("cache", "/home/runner/cache")),
                    Optional.empty())), () -> true);
            Poll.until(Duration.ofSeconds(10), SET + " ready", () -> caches.ready(SET));
            Path tree = hostRoot.resolve(SET);
            // 400,000 files: rm takes longer to delete them than the token takes to lapse, up to the renew deadline after
            // the cut. 200,000 were all gone within that on a quiet machine.
            run("for d in $(seq 0 99); do mkdir cache/d$d && (cd cache/d$d && seq 0 3999 | xargs touch); done", tree);
            long total = count(tree);

            caches.desire(Map.of(), () -> true);
            Poll.until(Duration.ofSeconds(30), "rm to be deleting the tree", LeaseFenceTest::rmRunning);
            Lapse lapse = blockRenewalsUntilTheTokenLapses();
            long last = count(tree);
            long lastChange = System.nanoTime();
            while (rmRunning() || count(tree) != last) {
                long now = count(tree);
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                }
                assertTrue(System.nanoTime() - lapse.atNanos() < LEASE_DURATION.toNanos(), "still deleting past the Lease's expiry");
            }
            Duration stoppedAfterLapse = Duration.ofNanos(Math.max(0, lastChange - lapse.atNanos()));
            Duration stoppedAfterRenewal = lapse.afterRenewal().plus(stoppedAfterLapse);
            System.out.printf("deletion: last file change %d ms after the last renewal (renew deadline %d ms, Lease %d ms), "
                    + "%d ms after the token lapsed; %d of %d entries left%n", stoppedAfterRenewal.toMillis(),
                    RENEW_DEADLINE.toMillis(), LEASE_DURATION.toMillis(), stoppedAfterLapse.toMillis(), last, total);
            assertTrue(last > 0, "the deletion went on to the end after the token lapsed");
            assertTrue(stoppedAfterRenewal.compareTo(LEASE_DURATION) < 0, "files changed after the Lease could expire");
            // The tool is asked a few times a second; one look at the tree takes a moment on top.
            assertTrue(stoppedAfterLapse.compareTo(Duration.ofSeconds(1)) < 0, "deletion went on " + stoppedAfterLapse
                    + " after the token lapsed");
            assertEquals(last, count(tree), "the tree changed after rm stopped");
        }
    }

    /** When the token lapsed, on the monotonic clock, and how that compares with the Lease's last renewal. */
    private record Lapse(long atNanos, Duration afterRenewal, Duration beforeExpiry) {
    }

    /** Cuts the elector off (renewals hang, as in a partition) and waits until the token lapses. */
    private Lapse blockRenewalsUntilTheTokenLapses() {
        proxy.cut();
        Poll.until(LEASE_DURATION, "the token to lapse", () -> !gate.leading());
        long at = System.nanoTime();
        Instant lapsed = Instant.now();
        Lease lease = fleet.client.leases().inNamespace(fleet.namespace).withName(new Placement(Optional.of(fleet.namespace))
                .leaseName(fleet.settings)).get();
        Instant renewed = lease.getSpec().getRenewTime().toInstant();
        Duration afterRenewal = Duration.between(renewed, lapsed);
        Duration beforeExpiry = Duration.between(lapsed, renewed.plus(LEASE_DURATION));
        assertTrue(afterRenewal.compareTo(RENEW_DEADLINE.plusMillis(250)) <= 0, "the token lapsed " + afterRenewal
                + " after the last renewal, past the renew deadline");
        assertTrue(!beforeExpiry.isNegative() && !beforeExpiry.isZero(), "the token outlived the Lease");
        return new Lapse(at, afterRenewal, beforeExpiry);
    }

    private long writesBy(String userAgent) {
        return TestApiServer.auditedWrites(fleet.namespace).stream().filter(line -> line.contains(userAgent)).count();
    }

    private static boolean rmRunning() {
        return ProcessHandle.current().descendants()
                .anyMatch(child -> child.info().command().map(command -> command.endsWith("/rm")).orElse(false));
    }

    /** Entries under {@code tree}, by find: a look at 200,000 entries in a tenth of a second. */
    private static long count(Path tree) {
        try {
            Process find = new ProcessBuilder("sh", "-c", "find . 2>/dev/null | wc -l").directory(tree.toFile()).start();
            String out = new String(find.getInputStream().readAllBytes()).strip();
            find.waitFor(1, TimeUnit.MINUTES);
            return Long.parseLong(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void run(String script, Path directory) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", script).directory(directory.toFile()).inheritIO().start();
        assertEquals(0, process.waitFor(), script);
        assertTrue(Files.isDirectory(directory.resolve("cache/d0")));
    }
}
