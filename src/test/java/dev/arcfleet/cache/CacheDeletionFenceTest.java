package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestSettings;

/**
 * A deposed leader must not go on deleting beside the new one: once its leadership token is revoked (by
 * {@code LeaderGate} at the renew deadline, before the Lease can expire), a deletion in progress stops.
 */
class CacheDeletionFenceTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final int DIRECTORIES = 20;
    private static final int FILES_PER_DIRECTORY = 2_000;
    /** The shipped arcfleet.leader-election.renew-deadline: the deletion must have stopped well within it. */
    private static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path hostRoot;

    @Test
    void aDeletionStopsOnceLeadershipIsRevoked() throws Exception {
        TestSettings settings = new TestSettings("test").cacheHostRoot(hostRoot).orphanRetention("0");
        AtomicBoolean leading = new AtomicBoolean(true);
        try (CacheManager caches = new CacheManager(settings.cache(), Owner.of(settings).value(), Clock.systemUTC(),
                set -> Optional.empty(), () -> { }, leading::get)) {
            caches.desire(Map.of(SET, new DesiredCache(SET, "acme/tools", List.of(new CachePath("cache", "/home/runner/cache")),
                    Optional.empty())), () -> true);
            Poll.until(Duration.ofSeconds(10), SET + " ready", () -> caches.ready(SET));
            Path cache = hostRoot.resolve(SET).resolve("cache");
            for (int directory = 0; directory < DIRECTORIES; directory++) {
                Path parent = Files.createDirectory(cache.resolve("d" + directory));
                for (int file = 0; file < FILES_PER_DIRECTORY; file++) {
                    Files.createFile(parent.resolve("f" + file));
                }
            }
            Path trash = hostRoot.resolve(SET).resolve(CacheDirectories.TRASH);

            caches.desire(Map.of(), () -> true);
            Poll.until(Duration.ofSeconds(30), "rm to be deleting the trash", CacheDeletionFenceTest::rmRunning);
            leading.set(false);
            long revoked = System.nanoTime();

            Poll.until(RENEW_DEADLINE, "no rm left running", () -> !rmRunning());
            long stoppedMillis = (System.nanoTime() - revoked) / 1_000_000;
            long left = count(trash);
            assertEquals(left, count(trash), "the entry count under the trash changed after rm stopped");
            System.out.printf("deletion stopped %d ms after the revocation, %d of %d entries left%n", stoppedMillis, left,
                    DIRECTORIES * (FILES_PER_DIRECTORY + 1L));
            assertTrue(left > 0, "the deletion went on to the end after the token was revoked");
            assertTrue(Files.exists(hostRoot.resolve(SET).resolve(CacheMarker.FILE_NAME)), "the marker stays: still to finish");
        }
    }

    private static boolean rmRunning() {
        return ProcessHandle.current().descendants()
                .anyMatch(child -> child.info().command().map(command -> command.endsWith("/rm")).orElse(false));
    }

    /** The entries under {@code tree}; -1 while one vanishes under the count, which is a change too. */
    private static long count(Path tree) {
        try (Stream<Path> entries = Files.walk(tree)) {
            return entries.count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
