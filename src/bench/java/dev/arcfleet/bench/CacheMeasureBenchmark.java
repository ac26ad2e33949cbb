package dev.arcfleet.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.arcfleet.cache.CacheUsage;
import dev.arcfleet.testing.FleetFixture;

/**
 * Prints how long measuring a 100,000-file cache takes and whether reconcile cycles, scheduled every
 * 200 ms on their own thread as the daemon's loop is, kept their interval meanwhile. Run with
 * {@code bash src/bench/run.sh cache-measure}; it asserts nothing about time. {@code -Dbench.files=N} sets the
 * number of files (in directories of 1,000, rounded down to whole directories, at least one).
 */
class CacheMeasureBenchmark {

    private static final int FILES_PER_DIRECTORY = 1_000;
    private static final int DIRECTORIES = Math.max(1, Integer.getInteger("bench.files", 100_000) / FILES_PER_DIRECTORY);
    private static final Duration CYCLE_INTERVAL = Duration.ofMillis(200);

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

    private static String summary(List<Long> values) {
        if (values.isEmpty()) {
            return "(none)";
        }
        List<Long> sorted = values.stream().sorted().toList();
        return "min " + sorted.get(0) + ", median " + sorted.get(sorted.size() / 2) + ", max " + sorted.get(sorted.size() - 1);
    }
}
