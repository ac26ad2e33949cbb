package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

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

        CacheUsage usage = MeasuredAlone.of(directories, SET);

        assertTrue(usage.bytes() >= MEBIBYTE && usage.bytes() < MEBIBYTE + OVERHEAD, usage::toString);
    }

    @Test
    void aSparseFileCountsItsBlocksNotItsLength() throws IOException {
        try (RandomAccessFile sparse = new RandomAccessFile(cache.resolve("sparse.bin").toFile(), "rw")) {
            sparse.setLength(1L << 30);
        }

        CacheUsage usage = MeasuredAlone.of(directories, SET);

        assertTrue(usage.bytes() < OVERHEAD, usage::toString);
    }

    @Test
    void aFileLinkedIntoTheTrashCountsOnceThere() throws IOException {
        Files.write(cache.resolve("kept.bin"), new byte[MEBIBYTE]);
        Path trash = Files.createDirectory(hostRoot.resolve(SET).resolve(CacheDirectories.TRASH));
        Path cleared = Files.write(trash.resolve("cleared.bin"), new byte[2 * MEBIBYTE]);
        Files.createLink(cache.resolve("also-cleared.bin"), cleared);

        CacheUsage usage = MeasuredAlone.of(directories, SET);

        assertTrue(usage.trashBytes() >= 2 * MEBIBYTE && usage.trashBytes() < 2 * MEBIBYTE + OVERHEAD, usage::toString);
        assertTrue(usage.cacheBytes() >= MEBIBYTE && usage.cacheBytes() < MEBIBYTE + OVERHEAD, usage::toString);
        assertEquals(0, usage.skipped());
    }

    /**
     * Sets measured by one walk: each exactly as if alone, hard links counted once per set, and a set whose directory
     * turned into a link or a FIFO after it was listed, or went, fails alone, neither followed nor opened.
     */
    @Test
    void setsMeasuredTogetherCountAsAloneAndFailAlone() throws Exception {
        String other = "arc-runner-acme-web-1";
        String link = "arc-runner-acme-link-1";
        String fifo = "arc-runner-acme-fifo-1";
        directories.ensure(other, "acme/web", CACHES, Instant.now());
        Path shared = Files.write(cache.resolve("shared.bin"), new byte[MEBIBYTE]);
        Path otherCache = hostRoot.resolve(other).resolve("cache");
        Files.createLink(otherCache.resolve("shared.bin"), shared);
        Files.createLink(otherCache.resolve("shared-again.bin"), shared);
        Path trash = Files.createDirectory(hostRoot.resolve(other).resolve(CacheDirectories.TRASH));
        Files.createLink(trash.resolve("cleared.bin"), shared);
        Files.createSymbolicLink(hostRoot.resolve(link), hostRoot.resolve(SET));
        assertEquals(0, new ProcessBuilder("mkfifo", hostRoot.resolve(fifo).toString()).start().waitFor());
        List<String> sets = List.of(SET, link, other, fifo, "arc-runner-acme-gone-1");

        Map<String, Callable<CacheUsage>> together = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> directories.measure(sets, Watch.unwatched()), "a FIFO opened as a directory would block");

        CacheUsage set = together.get(SET).call();
        assertEquals(MeasuredAlone.of(directories, SET).toString(), set.toString());
        assertEquals(Allocated.inSetDirectory(hostRoot.resolve(SET)), set.bytes());
        assertEquals(1, set.files());
        CacheUsage linkedIntoTheTrash = together.get(other).call();
        assertEquals(MeasuredAlone.of(directories, other).toString(), linkedIntoTheTrash.toString());
        assertTrue(linkedIntoTheTrash.trashBytes() >= MEBIBYTE && linkedIntoTheTrash.bytes() < MEBIBYTE + OVERHEAD,
                linkedIntoTheTrash::toString);
        assertEquals(1, linkedIntoTheTrash.files());
        for (String notADirectory : List.of(link, fifo)) {
            IOException failed = assertThrows(IOException.class, () -> together.get(notADirectory).call());
            assertTrue(failed.getMessage().endsWith(notADirectory + " is not a directory, or could not be opened"), failed::toString);
        }
        assertThrows(NoSuchFileException.class, () -> together.get("arc-runner-acme-gone-1").call());
        assertEquals(List.of(SET, link, other, fifo, "arc-runner-acme-gone-1"), List.copyOf(together.keySet()));
    }
}

