package dev.arcfleet.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.Poll;

/**
 * What {@code ./mvnw -Pdemo package} shows a newcomer, run by failsafe after packaging: the packaged
 * application ({@code target/quarkus-app}), started as a separate process against the demo's API server,
 * becomes ready with every set created and every cache directory in place.
 */
class DemoIT {

    /** Startup takes a few seconds, the first cycle about as long; the rest is headroom for a busy 2-core machine. */
    private static final Duration READY_WITHIN = Duration.ofMinutes(2);

    /** One per JVM: the API server is, and the demo's namespaces are created once. */
    private static Demo demo;

    private Demo.Launched app;

    private static synchronized Demo demo() {
        if (demo == null) {
            demo = Demo.start();
        }
        return demo;
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    @Test
    void packagedApplicationBecomesReadyAgainstTheDemoCluster() throws IOException {
        Path runner = runner();
        assertTrue(Files.exists(runner), runner + " is built in the package phase, before failsafe runs");
        Demo demo = demo();
        Path log = Files.createTempFile("arcfleet-demo-it", ".log");
        app = demo.launch(runner, Demo.freePort(), Demo.NAMESPACE, Redirect.to(log.toFile()));

        // Stops early if arcfleet exits, rather than waiting out the deadline.
        Poll.until(READY_WITHIN, "/q/health/ready to answer 200 (log: " + log + ")",
                () -> app.status("/q/health/ready") == 200 || !app.process().isAlive());
        assertTrue(app.process().isAlive(), () -> "arcfleet exited:\n" + tail(log));

        List<String> sets = demo.runnerSets(Demo.NAMESPACE).stream().map(set -> set.getMetadata().getName()).sorted().toList();
        assertEquals(List.of("arc-runner-octo-org-hello-world-1", "arc-runner-rkoster-rubionic-workspace-1",
                "arc-runner-rkoster-rubionic-workspace-2", "arc-runner-rkoster-rubionic-workspace-3"), sets);
        try (Stream<Path> dirs = Files.list(app.cacheRoot())) {
            assertEquals(sets, dirs.map(dir -> dir.getFileName().toString()).sorted().toList());
        }
        assertEquals(200, app.status("/q/health/started"));
    }

    /**
     * README, Run: a class archive recorded as native/record-class-archive.sh records it serves the next
     * start. The JVM says where each class came from; the client's and arcfleet's own must come from it.
     */
    @Test
    void aRecordedClassArchiveServesTheNextStart() throws IOException {
        Path runner = runner();
        Demo demo = demo();
        Path archive = demo.recordClassArchive(runner, Files.createTempFile("arcfleet-it-", ".jsa"), READY_WITHIN);
        Path log = Files.createTempFile("arcfleet-archived-start-it", ".log");
        String namespace = "archived-start-it";
        try (var client = demo.client()) {
            Demo.populate(client, namespace);
        }
        app = demo.launch(runner, List.of(Demo.useClassArchive(archive), "-Xlog:class+load=info"), Demo.freePort(),
                namespace, Redirect.to(log.toFile()));

        Poll.until(READY_WITHIN, "/q/health/ready with the archive (log: " + log + ")",
                () -> app.status("/q/health/ready") == 200 || !app.process().isAlive());
        assertTrue(app.process().isAlive(), () -> "arcfleet exited:\n" + tail(log));
        List<String> fromArchive = Files.readAllLines(log).stream()
                .filter(line -> line.contains("source: shared objects file (top)")).toList();
        for (String type : List.of("dev.arcfleet.daemon.Daemon", "dev.arcfleet.render.RunnerSetRenderer",
                "io.fabric8.kubernetes.client.impl.KubernetesClientImpl")) {
            assertTrue(fromArchive.stream().anyMatch(line -> line.contains("] " + type + " source:")),
                    () -> type + " was not loaded from the archive; " + fromArchive.size() + " classes were (log: " + log + ")");
        }
    }

    private static Path runner() {
        return Path.of(System.getProperty("arcfleet.runner-jar", "target/quarkus-app/quarkus-run.jar"));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
