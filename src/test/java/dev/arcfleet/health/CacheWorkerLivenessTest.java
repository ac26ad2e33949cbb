package dev.arcfleet.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.DesiredCache;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.daemon.DaemonSnapshot;
import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestSettings;

/**
 * A deletion whose {@code rm} stops dead (SIGSTOP, as a tool hung on a wedged filesystem would: no CPU, no
 * output) shows in readiness at {@code stall-after} and fails liveness only at {@code stuck-after}; once it moves
 * again, liveness is up.
 */
class CacheWorkerLivenessTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final Duration STALL_AFTER = Duration.ofSeconds(1);
    private static final Duration STUCK_AFTER = Duration.ofSeconds(6);

    @TempDir
    Path hostRoot;

    @Test
    void aStuckDeletionFailsLivenessOnlyAfterStuckAfter() throws Exception {
        TestSettings settings = new TestSettings("test").cacheHostRoot(hostRoot).orphanRetention("0")
                .cacheStallAfter(STALL_AFTER).cacheStuckAfter(STUCK_AFTER);
        try (CacheManager caches = new CacheManager(settings.cache(), Owner.of(settings).value(), Clock.systemUTC(),
                set -> Optional.empty(), () -> { }, () -> true)) {
            LivenessChecks checks = new LivenessChecks();
            checks.loop = daemonReporting(caches);
            caches.desire(Map.of(SET, new DesiredCache(SET, "acme/tools", List.of(new CachePath("cache", "/home/runner/cache")),
                    Optional.empty())), () -> true);
            Poll.until(Duration.ofSeconds(10), SET + " ready", () -> caches.ready(SET));
            shell("for d in $(seq 0 49); do mkdir cache/d$d && (cd cache/d$d && seq 0 1999 | xargs touch); done",
                    hostRoot.resolve(SET));

            caches.desire(Map.of(), () -> true);
            ProcessHandle rm = Poll.until(Duration.ofSeconds(30), "rm to be deleting the tree", CacheWorkerLivenessTest::rm,
                    Optional::isPresent).get();
            shell("kill -STOP " + rm.pid(), hostRoot);
            long stopped = System.nanoTime();

            Poll.until(Duration.ofSeconds(30), "the stall in readiness", () -> caches.report().stalled(),
                    stalled -> stalled.containsKey("cleanup"));
            HealthCheckResponse stalledOnly = checks.cacheWorker().call();
            long stalledAt = System.nanoTime();
            assertTrue(Duration.ofNanos(stalledAt - stopped).compareTo(STUCK_AFTER) < 0, "the poll for the stall was too late");
            assertEquals(HealthCheckResponse.Status.UP, stalledOnly.getStatus(), "liveness failed at stall-after");

            HealthCheckResponse stuck = Poll.until(Duration.ofSeconds(60), "liveness to fail", () -> checks.cacheWorker().call(),
                    response -> response.getStatus() == HealthCheckResponse.Status.DOWN);
            Duration down = Duration.ofNanos(System.nanoTime() - stopped);
            System.out.printf("liveness failed %d ms after rm stopped (stuck-after %d ms)%n", down.toMillis(),
                    STUCK_AFTER.toMillis());
            // The walk looks at the tool ten times a second: its last progress may be one look before the stop.
            assertTrue(down.compareTo(STUCK_AFTER.minusMillis(200)) >= 0, "liveness failed after " + down);
            assertTrue(String.valueOf(stuck.getData().orElseThrow().get("stuck cleanup")).contains(SET), stuck.getData()
                    .toString());

            shell("kill -CONT " + rm.pid(), hostRoot);
            Poll.until(Duration.ofSeconds(60), "liveness to recover once rm moves again", () -> checks.cacheWorker().call()
                    .getStatus() == HealthCheckResponse.Status.UP);
            Poll.until(Duration.ofSeconds(60), "the deletion to finish", () -> !Files.exists(hostRoot.resolve(SET)));
        }
    }

    /** A daemon whose snapshot carries {@code caches}' report, as the leader's does. */
    private static Daemon daemonReporting(CacheManager caches) {
        return new Daemon() {
            @Override
            public DaemonSnapshot snapshot() {
                return new DaemonSnapshot(new LeaderGate.State(false, true, "test", null, "test"), false, true, List.of(),
                        Optional.empty(), Optional.empty(), Optional.empty(), Instant.now(), Duration.ofMinutes(1),
                        caches.report(), Optional.empty());
            }
        };
    }

    private static Optional<ProcessHandle> rm() {
        return ProcessHandle.current().descendants()
                .filter(child -> child.info().command().map(command -> command.endsWith("/rm")).orElse(false)).findFirst();
    }

    private static void shell(String script, Path directory) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", script).directory(directory.toFile()).inheritIO().start();
        assertEquals(0, process.waitFor(), script);
    }
}
