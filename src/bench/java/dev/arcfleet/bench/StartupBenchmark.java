package dev.arcfleet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.arcfleet.demo.Demo;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@code bash src/bench/run.sh startup}: starts arcfleet against the demo API server several times, each
 * time in a fresh namespace, once with the demo's repositories (so every start creates its 4 sets) and once
 * with an empty configuration ({@code repositories: []}), and prints the time from process start to
 * /q/health/started and /q/health/ready (200 once every set is in line), the CPU time the process used
 * until ready, and the resident memory then. Measures the JVM build (with {@link Demo#JVM_OPTIONS}) and,
 * if one was built next to it, the native executable (target/*-runner). The machine's load average is
 * printed before and after: on a shared machine the wall-clock figures move with it, the CPU time far less.
 */
public final class StartupBenchmark {

    private static final int ROUNDS = 5;
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** Resident memory once more, after the first measurement pass and a few idle cycles. */
    private static final Duration SETTLE = Duration.ofSeconds(15);

    /** What the ConfigMap holds: the demo's repositories or none. */
    private enum Configuration {
        DEMO("4 sets", Demo.REPOSITORIES),
        EMPTY("empty", "repositories: []\n");

        private final String label;
        private final String repositories;

        Configuration(String label, String repositories) {
            this.label = label;
            this.repositories = repositories;
        }
    }

    private StartupBenchmark() {
    }

    public static void main(String[] args) {
        Path jar = Path.of(args[0]);
        List<Path> runners = new ArrayList<>(List.of(jar));
        Path target = jar.toAbsolutePath().getParent().getParent();
        try (Stream<Path> files = Files.list(target)) {
            files.filter(file -> file.getFileName().toString().endsWith("-runner") && Files.isExecutable(file))
                    .forEach(runners::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.printf("machine: %d cores, %.1f GiB; %s %s; load average %s%n", Runtime.getRuntime().availableProcessors(),
                totalMemoryGib(), System.getProperty("java.vm.name"), System.getProperty("java.version"), loadAverage());
        System.out.println("JVM options: " + String.join(" ", Demo.JVM_OPTIONS));
        Demo demo = Demo.start();
        int round = 0;
        List<String> medians = new ArrayList<>();
        for (Path runner : runners) {
            for (Configuration configuration : Configuration.values()) {
                List<long[]> results = new ArrayList<>();
                String name = runner.getFileName() + ", " + configuration.label;
                // Round 0 warms the page cache (jar, libraries) and the API server; it is printed, not counted.
                for (int i = 0; i <= ROUNDS; i++) {
                    String namespace = "bench-" + round++;
                    try (KubernetesClient client = demo.client()) {
                        Demo.populate(client, namespace, configuration.repositories);
                    }
                    long[] result = measure(demo, runner, namespace);
                    System.out.printf("%s round %d%s: %s%n", name, i, i == 0 ? " (warm-up)" : "", describe(result));
                    if (i > 0) {
                        results.add(result);
                    }
                }
                long[] median = new long[results.get(0).length];
                for (int field = 0; field < median.length; field++) {
                    median[field] = median(results, field);
                }
                medians.add(String.format("%s median of %d: %s", name, ROUNDS, describe(median)));
            }
        }
        medians.forEach(System.out::println);
        System.out.println("load average after: " + loadAverage());
        if (runners.size() == 1) {
            System.out.println("native: no target/*-runner to measure; building one needs GraalVM or Mandrel "
                    + "(./mvnw -B package -Dnative) or a container engine (-Dquarkus.native.container-build=true)");
        }
        System.exit(0);
    }

    private static String describe(long[] result) {
        return String.format("started %d ms, ready %d ms, CPU until ready %d ms, RSS at ready %d MiB, RSS after %ds idle %d MiB (peak %d MiB)",
                result[0], result[1], result[5], result[2] / 1024, SETTLE.toSeconds(), result[3] / 1024, result[4] / 1024);
    }

    /** started ms, ready ms, VmRSS KiB at ready, VmRSS KiB after SETTLE, VmHWM KiB after SETTLE, CPU ms until ready. */
    private static long[] measure(Demo demo, Path runner, String namespace) {
        try {
            Path log = Files.createTempFile("arcfleet-benchmark", ".log");
            long start = System.nanoTime();
            Demo.Launched app = demo.launch(runner, Demo.freePort(), namespace, Redirect.to(log.toFile()));
            try {
                Poll.until(TIMEOUT, "/q/health/started (log: " + log + ")", () -> app.status("/q/health/started") == 200);
                long started = millisSince(start);
                Poll.until(TIMEOUT, "/q/health/ready (log: " + log + ")", () -> app.status("/q/health/ready") == 200);
                long ready = millisSince(start);
                long rssAtReady = app.residentKib()[0];
                long cpu = app.process().info().totalCpuDuration().orElse(Duration.ZERO).toMillis();
                if (app.process().waitFor(SETTLE.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("arcfleet exited while idle; log: " + log);
                }
                long[] after = app.residentKib();
                return new long[] {started, ready, rssAtReady, after[0], after[1], cpu};
            } finally {
                app.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long millisSince(long start) {
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    private static long median(List<long[]> results, int index) {
        long[] values = results.stream().mapToLong(result -> result[index]).sorted().toArray();
        return values[values.length / 2];
    }

    private static String loadAverage() {
        try {
            return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double totalMemoryGib() {
        try {
            String line = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
            return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
        } catch (IOException e) {
            return Double.NaN;
        }
    }
}
