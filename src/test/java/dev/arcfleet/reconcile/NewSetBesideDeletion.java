package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;

/**
 * A removed set's cache of {@code files} files is being deleted when a set is added: how long until the new
 * set's directory and AutoscalingRunnerSet exist. Cycles run back to back, as the daemon's loop runs them after
 * the ConfigMap's watch event. Shared by {@code NewSetBesideDeletionTest} and the {@code cache-delete-beside}
 * benchmark.
 */
public final class NewSetBesideDeletion {

    private static final String REMOVED = "arc-runner-acme-old-1";
    private static final String ADDED = "arc-runner-acme-new-1";
    private static final Duration DELETION_START = Duration.ofMinutes(2);

    /**
     * @param took from the ConfigMap edit that adds the set to its directory and AutoscalingRunnerSet existing
     * @param deletionStillRunning whether {@code rm} was still deleting the removed set's files by then
     * @param created how long making the files took
     */
    public record Result(Duration took, boolean deletionStillRunning, Duration created) {
    }

    private NewSetBesideDeletion() {
    }

    public static Result run(FleetFixture fleet, int files, Duration timeout) throws IOException, InterruptedException {
        fleet.settings.orphanRetention("0");
        fleet.writeRepositories(repositories("acme/stay", "acme/old"));
        fleet.converge();
        long creating = System.nanoTime();
        int directories = Math.max(1, files / 10_000);
        Process fill = new ProcessBuilder("bash", "-c", "for d in $(seq 1 " + directories + "); do mkdir d$d && (cd d$d && seq 1 "
                + files / directories + " | xargs touch); done").directory(fleet.cacheHostRoot().resolve(REMOVED).resolve("cache")
                .toFile()).inheritIO().start();
        assertEquals(0, fill.waitFor(), "creating the removed set's files");
        Duration created = Duration.ofNanos(System.nanoTime() - creating);

        fleet.writeRepositories(repositories("acme/stay"));
        fleet.reconciler().reconcileOnce();
        // A small tree may be gone before a look finds rm: the result says whether it still ran beside the new set.
        Poll.until(DELETION_START, "rm to be deleting the removed set's cache", () -> rmRunning()
                || !Files.exists(fleet.cacheHostRoot().resolve(REMOVED)));

        long added = System.nanoTime();
        fleet.writeRepositories(repositories("acme/stay", "acme/new"));
        Poll.until(timeout, ADDED + "'s directory and AutoscalingRunnerSet", () -> {
            fleet.reconciler().reconcileOnce();
            return Files.isDirectory(fleet.cacheHostRoot().resolve(ADDED).resolve("cache")) && fleet.client
                    .genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(fleet.namespace).withName(ADDED)
                    .get() != null;
        });
        Duration took = Duration.ofNanos(System.nanoTime() - added);
        boolean stillRunning = rmRunning();
        return new Result(took, stillRunning, created);
    }

    private static String repositories(String... names) {
        StringBuilder yaml = new StringBuilder("repositories:\n");
        for (String name : names) {
            yaml.append("  - name: ").append(name).append('\n');
        }
        return yaml.toString();
    }

    private static boolean rmRunning() {
        return ProcessHandle.current().descendants()
                .anyMatch(child -> child.info().command().map(command -> command.endsWith("/rm")).orElse(false));
    }

    /** The machine's load, for the figures' context. */
    public static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }
}
