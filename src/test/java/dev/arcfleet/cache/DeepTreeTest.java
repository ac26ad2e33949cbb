package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.arcfleet.walk.Watch;

/**
 * A job can nest directories far deeper than any walk should hold open: deletion still removes all of it, and
 * measuring counts all of it, so a cache cannot outgrow its limit by hiding data deep down.
 */
class DeepTreeTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final int BYTES_AT_THE_BOTTOM = 8 << 20;

    @TempDir
    Path hostRoot;

    private CacheDirectories directories;
    private Path cache;

    @BeforeEach
    void setUp() throws IOException {
        directories = new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories");
        directories.ensure(SET, "acme/tools", List.of(new CachePath("cache", "/home/runner/cache")), Instant.now());
        cache = hostRoot.resolve(SET).resolve("cache");
    }

    @Test
    void deepTreeIsDeletedCompletely() throws IOException {
        nest(400);

        assertEquals(CacheDirectories.Cleanup.DONE, directories.delete(SET, Watch.unwatched()));

        assertFalse(Files.exists(hostRoot.resolve(SET), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void eightMebibytesOneHundredThirtyLevelsDownAreCountedInFull() throws IOException {
        Path deepest = nest(130);
        Files.write(deepest.resolve("hidden.bin"), new byte[BYTES_AT_THE_BOTTOM]);

        CacheUsage usage = MeasuredAlone.of(directories, SET);

        assertTrue(usage.complete(), usage::toString);
        assertTrue(usage.bytes() >= BYTES_AT_THE_BOTTOM, usage::toString);
        // A file on each of the 130 levels, and the hidden one.
        assertEquals(130 + 1, usage.files(), usage::toString);
    }

    /** {@code levels} nested directories under the cache, each with a one-byte file; returns the deepest. */
    private Path nest(int levels) throws IOException {
        Path deepest = cache;
        for (int level = 0; level < levels; level++) {
            deepest = Files.createDirectory(deepest.resolve("d"));
            Files.write(deepest.resolve("f"), new byte[1]);
        }
        return deepest;
    }
}
