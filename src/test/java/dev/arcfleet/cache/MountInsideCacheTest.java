package dev.arcfleet.cache;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.fleet.CachePath;

/**
 * A filesystem mounted inside a cache (a privileged dind sidecar can mount one) is neither counted nor emptied:
 * measuring and deleting stay on the cache's own filesystem. Runs as root, in a mount namespace of its own
 * ({@code unshare -m}), so the mount is gone with it.
 */
class MountInsideCacheTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final int MOUNTED_BYTES = 4 << 20;

    @TempDir
    Path hostRoot;

    @Test
    void aMountInsideAnOrphanSurvivesItsDeletionAndIsNotMeasured() throws IOException, InterruptedException {
        new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories").ensure(SET, "acme/tools",
                List.of(new CachePath("cache", "/home/runner/cache")), Instant.now());
        Path mountPoint = Files.createDirectory(hostRoot.resolve(SET).resolve("cache").resolve("mounted"));
        String probe = String.join(" ", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                "'" + System.getProperty("java.class.path") + "'", CleanupProbe.class.getName());
        String script = String.join("\n",
                "set -e",
                "mount -t tmpfs tmpfs '" + mountPoint + "'",
                "head -c " + MOUNTED_BYTES + " /dev/zero > '" + mountPoint + "/precious'",
                probe + " measure '" + hostRoot + "' " + SET,
                probe + " delete '" + hostRoot + "' " + SET + " || true",
                "echo survived $(find '" + hostRoot + "' -name precious -size " + MOUNTED_BYTES + "c | wc -l)");
        Process process = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c", script)
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(5, TimeUnit.MINUTES);

        assertEquals(0, process.exitValue(), output);
        Matcher measured = Pattern.compile("outcome (\\d+) bytes (\\d+) files").matcher(output);
        assertTrue(measured.find(), output);
        assertTrue(Long.parseLong(measured.group(1)) < MOUNTED_BYTES, () -> "the mounted file was counted: " + output);
        assertEquals("0", measured.group(2), output);
        assertThat(output, containsString("skipping"));
        assertThat(output, containsString("since it's on a different device"));
        assertThat(output, containsString("survived 1"));
    }
}
