package dev.arcfleet.demo;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.arcfleet.testing.Poll;

/**
 * {@code ./mvnw -B -Pdemo package}: arcfleet reconciling an embedded API server, until Ctrl-C.
 * The argument is the application to run: target/quarkus-app/quarkus-run.jar or a native executable.
 */
public final class DemoMain {

    private static final Duration READY_WITHIN = Duration.ofMinutes(3);

    private DemoMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path runner = Path.of(args[0]);
        if (!Files.exists(runner)) {
            throw new IllegalArgumentException(runner + " does not exist: build it first (./mvnw -B package -DskipTests)");
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        System.out.println("arcfleet demo: starting an embedded kube-apiserver + etcd (no cluster needed) ...");
        Demo demo = Demo.start();
        Demo.Launched app = demo.launch(runner, port, Demo.NAMESPACE, Redirect.INHERIT);
        // Ctrl-C reaches arcfleet directly (same process group); this covers a plain kill of the demo.
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop));
        String kubectl = Files.exists(Path.of("/usr/bin/kubectl")) || Files.exists(Path.of("/usr/local/bin/kubectl"))
                ? "kubectl" : "~/.kubeapitest/k8s/*/kubectl";
        System.out.printf("""

                arcfleet demo: %s runs against an embedded API server that looks like a cluster with ARC:
                  ARC controller stand-in   Deployment %s/arc-gha-rs-controller (version %s)
                  credentials               Secret %s/arcfleet-github (a fake token)
                  repositories              ConfigMap %s/arcfleet-repositories
                  cache directories         %s

                Look around (in another terminal):
                  export KUBECONFIG=%s
                  %s get autoscalingrunnersets -n %s
                  %s -n %s edit configmap arcfleet-repositories    # arcfleet follows within a second
                  curl -s localhost:%d/q/health/ready
                  curl -s localhost:%d/api/v1/status
                Stop with Ctrl-C. Against a real cluster: java %s -jar %s with KUBECONFIG pointing at it.

                """, runner, Demo.CONTROLLER_NAMESPACE, dev.arcfleet.testing.FleetFixture.ARC_VERSION, Demo.NAMESPACE,
                Demo.NAMESPACE, app.cacheRoot(), demo.kubeconfig(), kubectl, Demo.NAMESPACE, kubectl, Demo.NAMESPACE,
                port, port, String.join(" ", Demo.JVM_OPTIONS), runner);
        Thread announcer = new Thread(() -> announceReady(app), "demo-ready");
        announcer.setDaemon(true);
        announcer.start();
        int exit = app.process().waitFor();
        System.exit(exit);
    }

    private static void announceReady(Demo.Launched app) {
        try {
            Poll.until(READY_WITHIN, "readiness", () -> app.status("/q/health/ready") == 200 || !app.process().isAlive());
            if (app.process().isAlive()) {
                System.out.printf("%narcfleet demo: READY - %d AutoscalingRunnerSets in %s; /q/health/ready answers 200%n%n",
                        Demo.SETS, Demo.NAMESPACE);
            }
        } catch (AssertionError e) {
            System.out.printf("%narcfleet demo: not ready after %s; curl -s localhost:%d/q/health/ready says why%n%n",
                    READY_WITHIN, app.port());
        }
    }
}
