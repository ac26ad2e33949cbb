package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A rendering, and so its desired hash, is the same in every JVM: a daemon restarted, or its standby taking
 * over, must find the sets it applied in sync, or it rewrites them, and a changed values-hash makes ARC
 * recreate each set's listener. Java randomises the iteration order of {@code Map.of} per JVM, which a test
 * in one JVM cannot see, so the set is rendered in several.
 */
class SameRenderingInEveryJvmTest {

    private static final int JVMS = 6;
    /** Every chart value whose rendering holds a mapping of more than one entry. */
    private static final String REPOSITORIES = """
            repositories:
              - name: acme/tools
                githubServerTLS:
                  certificateFrom:
                    configMapKeyRef: {name: ca-bundle, key: ca.crt}
                  runnerMountPath: /usr/local/share/ca-certificates/
                proxy:
                  http: {url: "http://proxy:3128", credentialSecretRef: proxy-creds}
                  https: {url: "http://proxy:3128"}
                  noProxy: [example.com]
                runnerScaleSetLabels: [fast, linux]
                labels: {team: ci, tier: build}
                annotations: {a: "1", b: "2"}
            """;

    @Test
    void everyJvmRendersTheSameDesiredHashes() throws Exception {
        List<Process> jvms = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            jvms.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), SameRenderingInEveryJvmTest.class.getName())
                    .redirectErrorStream(true).start());
        }
        Set<String> renderings = new TreeSet<>();
        for (Process jvm : jvms) {
            String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jvm.waitFor(60, TimeUnit.SECONDS);
            assertEquals(0, jvm.exitValue(), output);
            renderings.add(output);
        }
        assertEquals(1, renderings.size(), "renderings differ between JVMs:\n" + String.join("\n", renderings));
    }

    /** Prints each object's desired hash, as one JVM renders the set. */
    public static void main(String... args) throws IOException, InvalidFleetConfigException {
        ClusterFacts facts = new ClusterFacts("arc-runners", "https://github.com",
                new ArcController("0.14.1", "arc-gha-rs-controller", "arc-systems"), 30, "/srv/arc-cache", "arc-runners.arcfleet");
        DesiredRunnerSet desired = RunnerSetRenderer.render(new FleetConfigParser().parse(REPOSITORIES).runnerSets().get(0),
                facts, new GithubCredentials.Token("ghp_test"));
        for (HasMetadata object : desired.allObjects()) {
            System.out.println(object.getKind() + " " + object.getMetadata().getName() + " "
                    + object.getMetadata().getAnnotations());
        }
    }
}
