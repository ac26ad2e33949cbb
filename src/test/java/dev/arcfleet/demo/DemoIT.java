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

    private Demo.Launched app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.stop();
        }
    }

    @Test
    void packagedApplicationBecomesReadyAgainstTheDemoCluster() throws IOException {
        Path runner = Path.of(System.getProperty("arcfleet.runner-jar", "target/quarkus-app/quarkus-run.jar"));
        assertTrue(Files.exists(runner), runner + " is built in the package phase, before failsafe runs");
        Demo demo = Demo.start();
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

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
