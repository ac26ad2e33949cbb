package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;

/**
 * A job can nest directories far deeper than any walk should hold open: deletion still removes all of it,
 * with a bounded number of open directories, and measuring stops at the depth limit and says so.
 */
class DeepTreeTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final int DEPTH = 400;

    @TempDir
    Path hostRoot;

    private CacheDirectories directories;
    private Path cache;

    @BeforeEach
    void setUp() throws IOException {
        directories = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
        directories.ensure(SET, "acme/tools", List.of(new CachePath("cache", "/home/runner/cache")), Instant.now());
        cache = hostRoot.resolve(SET).resolve("cache");
        Path deepest = cache;
        for (int level = 0; level < DEPTH; level++) {
            deepest = Files.createDirectory(deepest.resolve("d"));
            Files.write(deepest.resolve("f"), new byte[1]);
        }
    }

    @Test
    void deepTreeIsDeletedCompletely() throws IOException {
        assertEquals(CacheDirectories.Cleanup.DONE, directories.delete(SET, () -> true));

        assertFalse(Files.exists(hostRoot.resolve(SET), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void measuringStopsAtTheDepthLimitAndSaysSo() throws IOException {
        CacheUsage usage = directories.measure(SET, 1_000_000);

        assertFalse(usage.complete());
        // The cache is at depth 1 and the n-th d at n + 1; directories above the limit are opened, so the
        // files of the first MAX_DEPTH - 2 count.
        assertEquals(NoFollowTree.MAX_DEPTH - 2, usage.files());
    }
}
