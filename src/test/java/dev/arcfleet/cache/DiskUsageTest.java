package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.walk.Watch;

/** Usage is what a cache takes on disk: neither inflated by hard links nor by sparse files' lengths. */
class DiskUsageTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final List<CachePath> CACHES = List.of(new CachePath("cache", "/home/runner/cache"));
    private static final int MEBIBYTE = 1 << 20;
    /** Directories and the marker take a few blocks of their own. */
    private static final long OVERHEAD = 256 << 10;

    @TempDir
    Path hostRoot;

    private CacheDirectories directories;
    private Path cache;

    @BeforeEach
    void setUp() throws IOException {
        directories = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
        directories.ensure(SET, "acme/tools", CACHES, Instant.now());
        cache = hostRoot.resolve(SET).resolve("cache");
    }

    @Test
    void aThousandHardLinksToOneMebibyteCountOnce() throws IOException {
        Path original = Files.write(cache.resolve("original.bin"), new byte[MEBIBYTE]);
        for (int i = 0; i < 1000; i++) {
            Files.createLink(cache.resolve("link-" + i), original);
        }

        CacheUsage usage = directories.measure(SET, Watch.unwatched());

        assertTrue(usage.bytes() >= MEBIBYTE && usage.bytes() < MEBIBYTE + OVERHEAD, usage::toString);
    }

    @Test
    void aSparseFileCountsItsBlocksNotItsLength() throws IOException {
        try (RandomAccessFile sparse = new RandomAccessFile(cache.resolve("sparse.bin").toFile(), "rw")) {
            sparse.setLength(1L << 30);
        }

        CacheUsage usage = directories.measure(SET, Watch.unwatched());

        assertTrue(usage.bytes() < OVERHEAD, usage::toString);
    }

    @Test
    void aFileLinkedIntoTheTrashCountsOnceThere() throws IOException {
        Files.write(cache.resolve("kept.bin"), new byte[MEBIBYTE]);
        Path trash = Files.createDirectory(hostRoot.resolve(SET).resolve(CacheDirectories.TRASH));
        Path cleared = Files.write(trash.resolve("cleared.bin"), new byte[2 * MEBIBYTE]);
        Files.createLink(cache.resolve("also-cleared.bin"), cleared);

        CacheUsage usage = directories.measure(SET, Watch.unwatched());

        assertTrue(usage.trashBytes() >= 2 * MEBIBYTE && usage.trashBytes() < 2 * MEBIBYTE + OVERHEAD, usage::toString);
        assertTrue(usage.cacheBytes() >= MEBIBYTE && usage.cacheBytes() < MEBIBYTE + OVERHEAD, usage::toString);
        assertEquals(0, usage.skipped());
    }
}
