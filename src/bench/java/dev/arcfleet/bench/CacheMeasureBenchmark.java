package dev.arcfleet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheUsage;
import dev.arcfleet.cache.DesiredCache;
import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;

/**
 * Prints how long measuring a 100,000-file cache takes and whether reconcile cycles, scheduled every
 * 200 ms on their own thread as the daemon's loop is, kept their interval meanwhile; and what measuring 300 new sets'
 * directories costs: {@code find} processes and CPU. Run with {@code bash src/bench/run.sh cache-measure} (both) or
 * {@code cache-measure-new} (the second); it asserts nothing about time. {@code -Dbench.files=N} sets the
 * number of files (in directories of 1,000, rounded down to whole directories, at least one), {@code -Dbench.sets=N}
 * the number of new sets.
 */
class CacheMeasureBenchmark {

    private static final int FILES_PER_DIRECTORY = 1_000;
    private static final int DIRECTORIES = Math.max(1, Integer.getInteger("bench.files", 100_000) / FILES_PER_DIRECTORY);
    private static final Duration CYCLE_INTERVAL = Duration.ofMillis(200);
    private static final int NEW_SETS = Integer.getInteger("bench.sets", 300);
    /** Clock ticks of {@code /proc/self/stat}'s children CPU figures. */
    private static final long TICKS_PER_SECOND = 100;

    @Test
    void measureLargeCacheWhileReconciling() throws Exception {
        try (FleetFixture fleet = FleetFixture.create("bench-cache")) {
            fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
            fleet.converge();
            Path cache = fleet.cacheHostRoot().resolve("arc-runner-acme-tools-1").resolve("cache");
            byte[] content = new byte[512];
            for (int directory = 0; directory < DIRECTORIES; directory++) {
                Path parent = Files.createDirectory(cache.resolve("d" + directory));
                for (int file = 0; file < FILES_PER_DIRECTORY; file++) {
                    Files.write(parent.resolve("f" + file), content);
                }
            }

            List<Long> cycleStartsNanos = new ArrayList<>();
            List<Long> cycleMillis = new ArrayList<>();
            ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
            loop.scheduleAtFixedRate(() -> {
                long start = System.nanoTime();
                fleet.reconciler().reconcileOnce();
                synchronized (cycleStartsNanos) {
                    cycleStartsNanos.add(start);
                    cycleMillis.add((System.nanoTime() - start) / 1_000_000);
                }
            }, 0, CYCLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

            long measureStart = System.nanoTime();
            CompletableFuture.runAsync(() -> {
                try {
                    fleet.caches().measureNow();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).get(5, TimeUnit.MINUTES);
            long measureEnd = System.nanoTime();
            loop.shutdown();
            loop.awaitTermination(1, TimeUnit.MINUTES);

            CacheUsage usage = fleet.caches().report().usage().get("arc-runner-acme-tools-1");
            List<Long> gapsDuringMeasure = new ArrayList<>();
            long maxCycleDuringMeasure = 0;
            for (int i = 1; i < cycleStartsNanos.size(); i++) {
                long start = cycleStartsNanos.get(i);
                if (start >= measureStart && start <= measureEnd) {
                    gapsDuringMeasure.add((start - cycleStartsNanos.get(i - 1)) / 1_000_000);
                    maxCycleDuringMeasure = Math.max(maxCycleDuringMeasure, cycleMillis.get(i));
                }
            }
            System.out.printf("%nmeasured %s in %d ms (%s)%n", usage, (measureEnd - measureStart) / 1_000_000,
                    usage.complete() ? "complete" : "entries skipped");
            System.out.printf("reconcile cycles every %d ms meanwhile: %d cycles, gaps between starts %s ms, longest cycle %d ms%n%n",
                    CYCLE_INTERVAL.toMillis(), gapsDuringMeasure.size(), summary(gapsDuringMeasure), maxCycleDuringMeasure);
        }
    }

    /**
     * A first sync of {@link #NEW_SETS} sets creates their directories and measures each as soon as it exists; then all
     * are measured again, as every measure interval does. The daemon's CPU is the JVM's and its reaped children's, the
     * {@code find}s; what the JVM spends creating the directories is in the first figure too.
     */
    @Test
    void measureManyNewSets() throws Exception {
        try (FleetFixture fleet = FleetFixture.create("bench-cache-new")) {
            Map<String, DesiredCache> sets = new TreeMap<>();
            for (int i = 0; i < NEW_SETS; i++) {
                String name = "arc-runner-acme-bench-" + i;
                sets.put(name, new DesiredCache(name, "acme/bench" + i, List.of(new CachePath("cache", "/home/runner/cache")),
                        Optional.empty()));
            }
            try (Recording processes = new Recording();
                    CacheManager manager = new CacheManager(fleet.settings.cache(), "bench.arcfleet-repositories", fleet.clock,
                            set -> Optional.empty(), () -> { }, () -> true)) {
                processes.enable("jdk.ProcessStart");
                processes.start();
                manager.measureNow();
                String load = Files.readString(Path.of("/proc/loadavg")).trim();
                Cost sync = Cost.start(processes);
                manager.desire(sets, () -> true);
                Poll.until(Duration.ofMinutes(5), "a measurement of every new set",
                        () -> manager.report().usage().keySet().containsAll(sets.keySet()));
                System.out.printf("%nfirst sync of %d new sets, measured as each directory exists: %s%n", NEW_SETS, sync.end());
                Cost again = Cost.start(processes);
                manager.measureNow();
                System.out.printf("measuring the %d directories again (a measure interval): %s%n", NEW_SETS, again.end());
                System.out.printf("load average before: %s, after: %s%n%n", load, Files.readString(Path.of("/proc/loadavg")).trim());
            }
        }
    }

    /** The daemon's CPU and {@code find} processes from one point on; the recording stays on across both. */
    private record Cost(Recording processes, Instant since, long wallAtStart, long jvmCpuAtStart, long childTicksAtStart) {

        static Cost start(Recording processes) throws IOException {
            return new Cost(processes, Instant.now(), System.nanoTime(), jvmCpuNanos(), childTicks());
        }

        String end() throws IOException {
            long wall = System.nanoTime() - wallAtStart;
            long jvm = jvmCpuNanos() - jvmCpuAtStart;
            long children = (childTicks() - childTicksAtStart) * (1_000_000_000 / TICKS_PER_SECOND);
            Path dump = Files.createTempFile("processes", ".jfr");
            processes.dump(dump);
            long finds = RecordingFile.readAllEvents(dump).stream().filter(event -> event.getStartTime().isAfter(since))
                    .filter(event -> event.getString("command").startsWith("find ")).count();
            Files.delete(dump);
            return String.format("%d find processes, CPU %d ms (JVM %d ms, find %d ms), %d ms wall", finds,
                    (jvm + children) / 1_000_000, jvm / 1_000_000, children / 1_000_000, wall / 1_000_000);
        }

        private static long jvmCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }

        /** Children's user and system time ({@code cutime}, {@code cstime}): the finds, once reaped. */
        private static long childTicks() throws IOException {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        }
    }

    private static String summary(List<Long> values) {
        if (values.isEmpty()) {
            return "(none)";
        }
        List<Long> sorted = values.stream().sorted().toList();
        return "min " + sorted.get(0) + ", median " + sorted.get(sorted.size() / 2) + ", max " + sorted.get(sorted.size() - 1);
    }
}
