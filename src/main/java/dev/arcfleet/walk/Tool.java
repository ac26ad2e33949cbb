package dev.arcfleet.walk;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** One run of a GNU tool in {@code directory}, watched while it runs. */
final class Tool {

    /** How often a running tool is looked at: the bound on how late a stop takes effect. */
    static final Duration POLL = Duration.ofMillis(100);
    /** How long a stopped tool gets to exit on SIGTERM before it is killed. */
    private static final Duration GRACE = Duration.ofSeconds(2);
    /** Diagnostics kept for the report; the rest are only counted, so a tree of a million errors costs no memory. */
    private static final int KEPT_DIAGNOSTICS = 3;
    private static final int MAX_DIAGNOSTIC_CHARS = 500;

    /**
     * @param diagnostics how many lines the tool wrote to stderr: one per entry it skipped or could not remove
     * @param firstDiagnostics the first few of them
     * @param stopped whether {@link Watch#keepGoing()} stopped it
     */
    record Result(int exitCode, long diagnostics, List<String> firstDiagnostics, boolean stopped) {
    }

    private Tool() {
    }

    /**
     * Runs {@code command}, handing each line it prints to {@code eachLine} and each line it writes to stderr to
     * {@code eachDiagnostic}, each on a thread of its own.
     */
    static Result run(Path directory, Watch watch, Consumer<String> eachLine, Consumer<String> eachDiagnostic, String... command)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        // Untranslated messages and plain numbers, whatever the daemon's locale.
        builder.environment().put("LC_ALL", "C");
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process process = builder.start();
        AtomicLong lines = new AtomicLong();
        AtomicLong diagnostics = new AtomicLong();
        List<String> firstDiagnostics = Collections.synchronizedList(new ArrayList<>());
        // Both streams have a line per entry, without bound, so both are drained while the tool runs.
        Thread output = drain(process.getInputStream(), command[0] + "-stdout", line -> {
            lines.incrementAndGet();
            eachLine.accept(line);
        });
        Thread errors = drain(process.getErrorStream(), command[0] + "-stderr", line -> {
            keep(firstDiagnostics, line);
            diagnostics.incrementAndGet();
            eachDiagnostic.accept(line);
        });
        boolean stopped = false;
        try {
            Duration cpuBefore = Duration.ZERO;
            long linesBefore = 0;
            while (!process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                Duration cpu = process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
                long linesNow = lines.get() + diagnostics.get();
                if (cpu.compareTo(cpuBefore) > 0 || linesNow > linesBefore) {
                    watch.progressed().run();
                }
                cpuBefore = cpu;
                linesBefore = linesNow;
                if (!watch.keepGoing().getAsBoolean()) {
                    stopped = true;
                    stop(process);
                    break;
                }
            }
            output.join();
            errors.join();
            watch.progressed().run();
            return new Result(process.exitValue(), diagnostics.get(), List.copyOf(firstDiagnostics), stopped);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(command[0] + " interrupted", e);
        }
    }

    /** Adds {@code diagnostic} to {@code first} unless it has enough; the rest are only counted, in bounded memory. */
    static void keep(List<String> first, String diagnostic) {
        if (first.size() < KEPT_DIAGNOSTICS) {
            // A path is as deep as a job made it: the report keeps its start.
            first.add(diagnostic.length() <= MAX_DIAGNOSTIC_CHARS ? diagnostic
                    : diagnostic.substring(0, MAX_DIAGNOSTIC_CHARS) + "...");
        }
    }

    private static void stop(Process process) throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Reads {@code stream} to its end on a daemon thread; the stream ends when the tool exits. */
    private static Thread drain(InputStream stream, String name, Consumer<String> eachLine) {
        Thread thread = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    eachLine.accept(line);
                }
            } catch (IOException e) {
                // The tool was stopped (fenced, or the daemon shutting down) and its pipe closed: nothing more to read.
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
