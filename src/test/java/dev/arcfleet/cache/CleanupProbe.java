package dev.arcfleet.cache;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.walk.Watch;

/**
 * One operation of {@link CacheDirectories} in a process of its own, so that tests can run it under the
 * shipped uid, gid and capabilities ({@link ShippedPrivileges}). Arguments: the operation ({@code delete},
 * {@code clear}, {@code ensure} or {@code measure}), host-root, the set, and its caches' names. Prints who
 * it ran as, the outcome, and the operation's wall and CPU time; exits 1 if it threw.
 */
public final class CleanupProbe {

    private CleanupProbe() {
    }

    public static void main(String[] args) throws IOException {
        String status = Files.readString(Path.of("/proc/self/status"));
        System.out.println("uid " + field(status, "Uid:").split("\\s+")[1] + " gid " + field(status, "Gid:").split("\\s+")[1]
                + " capabilities " + field(status, "CapEff:"));
        CacheDirectories directories = new CacheDirectories(Path.of(args[1]), 1001, 123, 02775, "test.arcfleet-repositories");
        String set = args[2];
        List<CachePath> caches = Arrays.stream(args).skip(3).map(name -> new CachePath(name, "/opt/" + name)).toList();
        long started = System.nanoTime();
        long cpuStarted = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        try {
            String outcome = switch (args[0]) {
                case "delete" -> directories.delete(set, Watch.unwatched()).name();
                case "clear" -> directories.clear(set, caches, Watch.unwatched()).name();
                case "ensure" -> String.valueOf(directories.ensure(set, "acme/tools", caches, Instant.now()));
                case "measure" -> {
                    CacheUsage usage = MeasuredAlone.of(directories, set);
                    yield usage.bytes() + " bytes " + usage.files() + " files " + (usage.complete() ? "complete" : "incomplete");
                }
                default -> throw new IllegalArgumentException("unknown operation " + args[0]);
            };
            System.out.println("outcome " + outcome);
            System.out.println("took " + (System.nanoTime() - started) / 1_000_000 + " ms");
            // CPU time, user and system: what the operation costs, whatever else the machine is doing.
            System.out.println("cpu " + (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStarted) / 1_000_000
                    + " ms");
        } catch (Exception e) {
            System.out.println("error " + e);
            System.exit(1);
        }
    }

    private static String field(String status, String name) {
        return status.lines().filter(line -> line.startsWith(name)).findFirst().orElseThrow().substring(name.length()).trim();
    }
}
