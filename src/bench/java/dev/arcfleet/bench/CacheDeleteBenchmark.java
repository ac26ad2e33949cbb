package dev.arcfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.DesiredCache;
import dev.arcfleet.cache.RootWrittenTree;
import dev.arcfleet.cache.ShippedPrivileges;
import dev.arcfleet.cache.ShippedPrivileges.Identity;
import dev.arcfleet.cache.ShippedPrivileges.Result;
import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.reconcile.NewSetBesideDeletion;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestSettings;

/**
 * How long deleting a removed set's cache of 100,000 root-owned files in read-only directories takes, as
 * each shipped identity (uid, gid and capabilities from deploy/). The tree is made as root each round and
 * written back to disk; the page cache stays warm. Needs root. {@code -Dbench.files=N} sets the number of
 * files (in directories of 1,000, rounded down to whole directories, at least one).
 * <p>
 * {@link #newSetBesideADeletion()} ({@code cache-delete-beside}): a set added while a removed set's cache of
 * 2,000,000 files ({@code -Dbench.beside-files=N}) is being deleted, and how long until its directory and
 * AutoscalingRunnerSet exist, against the test API server; the goal is under 30 s.
 */
class CacheDeleteBenchmark {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final int FILES_PER_DIRECTORY = 1_000;
    private static final int DIRECTORIES = Math.max(1, Integer.getInteger("bench.files", 100_000) / FILES_PER_DIRECTORY);
    private static final int FILES = DIRECTORIES * FILES_PER_DIRECTORY;
    private static final int ROUNDS = 3;

    @Test
    void deleteRootOwnedCache() throws IOException, InterruptedException {
        for (Identity who : ShippedPrivileges.shipped()) {
            List<Long> wall = new ArrayList<>();
            List<Long> cpu = new ArrayList<>();
            List<String> load = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Path hostRoot = rootOwnedCache();
                load.add(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                // The probe's CacheDirectories has the owner, uid, gid and mode of TestSettings, as the set's here.
                Result result = ShippedPrivileges.probe(who, "delete", hostRoot.toString(), SET);
                assertEquals(0, result.exitCode(), result::output);
                assertFalse(Files.exists(hostRoot.resolve(SET), LinkOption.NOFOLLOW_LINKS));
                wall.add(millis(result, "took"));
                cpu.add(millis(result, "cpu"));
            }
            System.out.printf("%ndeleting %d root-owned files (%d read-only directories) as the %s (uid %d, %s): wall %s ms "
                    + "(median %d), CPU %s ms (median %d), load average before each %s%n%n", FILES, DIRECTORIES,
                    who, who.uid(), who.capabilities(), wall, median(wall), cpu, median(cpu), load);
        }
    }

    @Test
    void newSetBesideADeletion() throws IOException, InterruptedException {
        int files = Integer.getInteger("bench.beside-files", 2_000_000);
        try (FleetFixture fleet = FleetFixture.create("beside-bench")) {
            String loadBefore = NewSetBesideDeletion.load();
            NewSetBesideDeletion.Result result = NewSetBesideDeletion.run(fleet, files, Duration.ofMinutes(10));
            System.out.printf("%nnew set's directory and AutoscalingRunnerSet %d ms after it was added, beside the deletion of"
                    + " %d files (rm still running then: %s; the files took %d s to make); load average before %s, after %s%n%n",
                    result.took().toMillis(), files, result.deletionStillRunning(), result.created().toSeconds(), loadBefore,
                    NewSetBesideDeletion.load());
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
        // The set's directory as the daemon makes it: its cache manager, here running as root, with the tests'
        // settings (uid 1001, gid 123, mode 2775, owner test.arcfleet-repositories).
        TestSettings settings = new TestSettings("test").cacheHostRoot(hostRoot);
        try (CacheManager caches = new CacheManager(settings.cache(), Owner.of(settings).value(), Clock.systemUTC(),
                set -> Optional.empty(), () -> { }, () -> true)) {
            caches.desire(Map.of(SET, new DesiredCache(SET, "acme/tools", List.of(new CachePath("cache", "/home/runner/cache")),
                    Optional.empty())), () -> true);
            caches.awaitSynced();
            assertTrue(caches.ready(SET), () -> SET + "'s cache directory is not ready: " + caches.report());
        }
        Path cache = hostRoot.resolve(SET).resolve("cache");
        byte[] content = new byte[512];
        for (int directory = 0; directory < DIRECTORIES; directory++) {
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
