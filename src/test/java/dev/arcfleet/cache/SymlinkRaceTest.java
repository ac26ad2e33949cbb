package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.walk.Watch;

/**
 * A job that swaps directories of its cache for links to another set's cache, or out of host-root, as fast
 * as it can, while arcfleet deletes, measures and clears the cache. It acts through its own handle on its
 * cache directory, as a process inside the directory would, so it follows the cache into the trash. Runs
 * as the test's user (root here): nothing but the walk's own care protects the canaries.
 */
class SymlinkRaceTest {

    private static final int ROUNDS = 2_000;
    private static final int PAIRS = 8;
    private static final String VICTIM = "arc-runner-victim-1";
    private static final String NEIGHBOUR = "arc-runner-neighbour-1";
    private static final List<CachePath> CACHES = List.of(new CachePath("cache", "/home/runner/cache"));
    /** Sparse, so a canary counted by a measurement would stand out at once. */
    private static final long CANARY_BYTES = 1L << 30;
    private static final int CANARIES = 10;

    @TempDir
    Path base;

    private Path hostRoot;
    private Path outside;
    private CacheDirectories directories;
    private final ExecutorService attacker = Executors.newSingleThreadExecutor();
    private final AtomicLong swapsDuringOperations = new AtomicLong();

    @BeforeEach
    void setUp() throws IOException {
        hostRoot = Files.createDirectory(base.resolve("host-root"));
        outside = Files.createDirectory(base.resolve("outside"));
        directories = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
        directories.ensure(NEIGHBOUR, "acme/neighbour", CACHES, Instant.now());
        for (int i = 0; i < CANARIES; i++) {
            canary(neighbourCache().resolve("canary-" + i));
        }
        canary(outside.resolve("canary"));
    }

    @AfterEach
    void tearDown() {
        attacker.shutdownNow();
    }

    @Test
    void deletingUnderAttackRemovesOnlyTheSetsOwnFiles() throws Exception {
        long failed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            prepareVictim();
            try {
                underAttack(() -> directories.delete(VICTIM, Watch.unwatched()));
            } catch (IOException e) {
                // An entry that kept changing under the deletion is left for the next attempt; never followed.
                failed++;
            }
            assertCanariesIntact(round);
            if (Files.exists(hostRoot.resolve(VICTIM), LinkOption.NOFOLLOW_LINKS)) {
                assertEquals(CacheDirectories.Cleanup.DONE, directories.delete(VICTIM, Watch.unwatched()), "the retry, unattacked");
            }
            assertFalse(Files.exists(hostRoot.resolve(VICTIM), LinkOption.NOFOLLOW_LINKS));
        }
        report("delete", failed);
    }

    @Test
    void measuringUnderAttackCountsOnlyTheSetsOwnFiles() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            prepareVictim();
            CacheUsage usage = underAttack(() -> MeasuredAlone.of(directories, VICTIM));
            // A directory renamed mid-walk may be listed under both names, so the set's own files can count
            // twice; a canary, a gigabyte, cannot hide in that.
            assertTrue(usage.bytes() < CANARY_BYTES, "round " + round + ": measured " + usage + ", a canary among them");
            assertCanariesIntact(round);
            directories.delete(VICTIM, Watch.unwatched());
        }
        report("measure", 0);
    }

    @Test
    void clearingUnderAttackRemovesOnlyTheSetsOwnFiles() throws Exception {
        long failed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            prepareVictim();
            try {
                underAttack(() -> directories.clear(VICTIM, CACHES, Watch.unwatched()));
            } catch (IOException e) {
                failed++;
            }
            assertCanariesIntact(round);
            directories.delete(VICTIM, Watch.unwatched());
        }
        report("clear", failed);
    }

    /** The victim set with, per pair, a directory of three files and a link to the neighbour or out of host-root. */
    private void prepareVictim() throws IOException {
        directories.ensure(VICTIM, "acme/victim", CACHES, Instant.now());
        Path cache = hostRoot.resolve(VICTIM).resolve("cache");
        for (int i = 0; i < PAIRS; i++) {
            Path directory = Files.createDirectory(cache.resolve("swap-" + i));
            for (int file = 0; file < 3; file++) {
                Files.write(directory.resolve("own-" + file), new byte[100]);
            }
            Files.createSymbolicLink(cache.resolve("link-" + i), i % 2 == 0 ? neighbourCache() : outside);
        }
    }

    @FunctionalInterface
    private interface Operation<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code operation} while the attacker swaps: {@code swap-i} becomes the link, then the directory
     * again, over and over, through a handle opened on the victim's cache before the operation starts.
     */
    private <T> T underAttack(Operation<T> operation) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        SecureDirectoryStream<Path> cache = NoFollowTree.open(hostRoot.resolve(VICTIM).resolve("cache"));
        Future<?> attack = attacker.submit(() -> {
            started.countDown();
            while (!stop.get()) {
                for (int i = 0; i < PAIRS; i++) {
                    if (move(cache, "swap-" + i, "held-" + i) & move(cache, "link-" + i, "swap-" + i)) {
                        swapsDuringOperations.incrementAndGet();
                    }
                    move(cache, "swap-" + i, "link-" + i);
                    move(cache, "held-" + i, "swap-" + i);
                }
            }
        });
        try {
            started.await();
            return operation.run();
        } finally {
            stop.set(true);
            attack.get(1, TimeUnit.MINUTES);
            cache.close();
        }
    }

    private static boolean move(SecureDirectoryStream<Path> directory, String from, String to) {
        try {
            directory.move(Path.of(from), directory, Path.of(to));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void assertCanariesIntact(int round) throws IOException {
        try (Stream<Path> entries = Files.list(neighbourCache())) {
            assertEquals(CANARIES, entries.count(), "round " + round + ": the neighbour's cache lost or gained entries");
        }
        for (int i = 0; i < CANARIES; i++) {
            assertEquals(CANARY_BYTES, Files.size(neighbourCache().resolve("canary-" + i)), "round " + round);
        }
        assertEquals(CANARY_BYTES, Files.size(outside.resolve("canary")), "round " + round);
    }

    private void report(String operation, long failed) {
        System.out.printf("%s under attack: %d rounds, %d swaps of a directory for a link while it ran, %d attempts left "
                + "for a retry, every canary intact%n", operation, ROUNDS, swapsDuringOperations.get(), failed);
    }

    private Path neighbourCache() {
        return hostRoot.resolve(NEIGHBOUR).resolve("cache");
    }

    private static void canary(Path file) throws IOException {
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(CANARY_BYTES);
        }
    }
}
