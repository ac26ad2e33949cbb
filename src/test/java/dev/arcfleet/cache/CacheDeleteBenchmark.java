package dev.arcfleet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.arcfleet.cache.ShippedPrivileges.Identity;
import dev.arcfleet.cache.ShippedPrivileges.Result;
import dev.arcfleet.fleet.CachePath;

/**
 * How long deleting a removed set's cache of 100,000 root-owned files in read-only directories takes, as
 * each shipped identity (uid, gid and capabilities from deploy/). The tree is made as root each round and
 * written back to disk; the page cache stays warm.
 */
class CacheDeleteBenchmark {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final int FILES = 100_000;
    private static final int FILES_PER_DIRECTORY = 1_000;
    private static final int ROUNDS = 3;

    @Test
    void deleteRootOwnedCacheOf100000Files() throws IOException, InterruptedException {
        for (Identity who : ShippedPrivileges.shipped()) {
            List<Long> wall = new ArrayList<>();
            List<Long> cpu = new ArrayList<>();
            List<String> load = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Path hostRoot = rootOwnedCache();
                load.add(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                Result result = ShippedPrivileges.probe(who, "delete", hostRoot.toString(), SET);
                assertEquals(0, result.exitCode(), result::output);
                assertFalse(Files.exists(hostRoot.resolve(SET), LinkOption.NOFOLLOW_LINKS));
                wall.add(millis(result, "took"));
                cpu.add(millis(result, "cpu"));
            }
            System.out.printf("%ndeleting %d root-owned files (%d read-only directories) as the %s (uid %d, %s): wall %s ms "
                    + "(median %d), CPU %s ms (median %d), load average before each %s%n%n", FILES, FILES / FILES_PER_DIRECTORY,
                    who, who.uid(), who.capabilities(), wall, median(wall), cpu, median(cpu), load);
        }
    }

    private static long millis(Result result, String what) {
        return Long.parseLong(result.line(what).orElseThrow().replace(" ms", ""));
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static Path rootOwnedCache() throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("arcfleet-delete-bench");
        Files.setAttribute(base, "unix:mode", 0755);
        Path hostRoot = Files.createDirectory(base.resolve("cache-root"));
        RootWrittenTree.own(hostRoot, 1001, 02775);
        new CacheDirectories(hostRoot, 1001, 123, 02775, "test.arcfleet-repositories").ensure(SET, "acme/tools",
                List.of(new CachePath("cache", "/home/runner/cache")), Instant.now());
        Path cache = hostRoot.resolve(SET).resolve("cache");
        byte[] content = new byte[512];
        for (int directory = 0; directory < FILES / FILES_PER_DIRECTORY; directory++) {
            Path parent = Files.createDirectory(cache.resolve("d" + directory));
            for (int file = 0; file < FILES_PER_DIRECTORY; file++) {
                Files.write(parent.resolve("f" + file), content);
                RootWrittenTree.own(parent.resolve("f" + file), 0, 0444);
            }
            RootWrittenTree.own(parent, 0, 0555);
        }
        // Written back before the deletion starts, so it does not compete with the tree's own writeback.
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        return hostRoot;
    }
}
