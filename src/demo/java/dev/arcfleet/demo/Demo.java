package dev.arcfleet.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * A cluster as arcfleet expects to find it, without a cluster: the tests' kube-apiserver + etcd
 * ({@link TestApiServer}, with the AutoscalingRunnerSet and AutoscalingListener CRDs from
 * src/test/resources/crds), a stand-in ARC controller Deployment, a token Secret and a ConfigMap of
 * two repositories. The application runs unchanged in a process of its own, configured only as a user
 * would configure it (KUBECONFIG and ARCFLEET_* variables), so the demo exercises the shipped build and
 * none of this code can end up in it.
 */
public final class Demo {

    public static final String NAMESPACE = "arc-runners";
    public static final String CONTROLLER_NAMESPACE = "arc-systems";
    public static final String FAKE_TOKEN = "ghp_demo_token_not_a_real_one";
    /** The class archive's file name, next to quarkus-run.jar (README, Run). */
    public static final String CLASS_ARCHIVE = "arcfleet.jsa";
    /** Four sets: arc-runner-rkoster-rubionic-workspace-1..3 and arc-runner-octo-org-hello-world-1. */
    public static final String REPOSITORIES = """
            # arcfleet follows every edit within a second:
            #   kubectl -n arc-runners edit configmap arcfleet-repositories
            defaults:
              maxRunners: 1
            repositories:
              - name: rkoster/rubionic-workspace
                instances: 3
                cachePaths:
                  - {name: nix, path: /nix}
                  - {name: tools, path: /opt/hostedtoolcache}
              - name: octo-org/hello-world
            """;
    public static final int SETS = 4;
    /**
     * The JVM options README's Run section gives, so the demo, DemoIT and the benchmarks measure what users
     * run: a JVM out of memory exits (Kubernetes or systemd restarts it); C1 only, which halves the CPU of
     * start and of a first sync (C2 compiling costs more than it gains in a daemon that mostly waits); the
     * serial collector and a heap from 32 MiB up to 256 MiB, which holds 1,000 sets (see Startup and memory);
     * no performance counters, and the JVM's housekeeping every 10 s, which is most of what an idle daemon costs.
     */
    public static final List<String> JVM_OPTIONS = List.of("-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-Xms32m", "-Xmx256m", "-Xmn8m", "-XX:-UsePerfData", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:GuaranteedSafepointInterval=10000", "-XX:AsyncDeflationInterval=10000");
    public static final ResourceDefinitionContext RUNNER_SETS = new ResourceDefinitionContext.Builder()
            .withGroup("actions.github.com").withVersion("v1alpha1").withKind("AutoscalingRunnerSet")
            .withPlural("autoscalingrunnersets").withNamespaced(true).build();

    /** What arcfleet is launched with. */
    private final Path kubeconfig;
    private final Path workDir;

    private Demo(Path kubeconfig, Path workDir) {
        this.kubeconfig = kubeconfig;
        this.workDir = workDir;
    }

    /** Starts the API server (once per JVM) and creates the ARC controller stand-in and {@link #NAMESPACE}'s objects. */
    public static Demo start() {
        return start(TestApiServer.kubeconfig());
    }

    /**
     * The same, but the API server also takes a bearer token, and arcfleet is launched with it and without a client
     * certificate, as a daemon in a cluster authenticates with its ServiceAccount's token.
     */
    public static Demo startWithBearerToken() {
        return start(TestApiServer.bearerTokenKubeconfig());
    }

    private static Demo start(Path kubeconfig) {
        try (KubernetesClient client = TestApiServer.newClient()) {
            createNamespace(client, CONTROLLER_NAMESPACE);
            ArcFixtures.installController(client, CONTROLLER_NAMESPACE, FleetFixture.ARC_VERSION);
            populate(client, NAMESPACE);
            return new Demo(kubeconfig, Files.createTempDirectory("arcfleet-demo"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A namespace with what a user creates before starting arcfleet: the credentials Secret and the ConfigMap. */
    public static void populate(KubernetesClient client, String namespace) {
        populate(client, namespace, REPOSITORIES);
    }

    /** The same with another repositories.yaml. */
    public static void populate(KubernetesClient client, String namespace, String repositories) {
        createNamespace(client, namespace);
        client.resource(ArcFixtures.tokenSecret(namespace, "arcfleet-github", FAKE_TOKEN)).create();
        client.resource(ArcFixtures.repositories(namespace, repositories)).create();
    }

    private static void createNamespace(KubernetesClient client, String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public KubernetesClient client() {
        return TestApiServer.newClient();
    }

    public List<GenericKubernetesResource> runnerSets(String namespace) {
        try (KubernetesClient client = client()) {
            return client.genericKubernetesResources(RUNNER_SETS).inNamespace(namespace).list().getItems();
        }
    }

    /**
     * Starts arcfleet, a JVM build ({@code quarkus-run.jar}) or a native executable, against this API
     * server, serving HTTP on {@code port}, with a fresh cache host-root under the demo's directory.
     */
    public Launched launch(Path runner, int port, String namespace, Redirect output) {
        return launch(runner, List.of(), port, namespace, output);
    }

    /** The same with JVM options beyond {@link #JVM_OPTIONS}, such as a class archive's. */
    public Launched launch(Path runner, List<String> moreJvmOptions, int port, String namespace, Redirect output) {
        try {
            Path cacheRoot = Files.createTempDirectory(workDir, "github-runner-cache-" + namespace + "-");
            List<String> command = new ArrayList<>();
            if (runner.toString().endsWith(".jar")) {
                command.add(ProcessHandle.current().info().command().orElse("java"));
                command.addAll(JVM_OPTIONS);
                command.addAll(moreJvmOptions);
                command.add("-jar");
            }
            command.add(runner.toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output);
            Map<String, String> env = builder.environment();
            // Overrides the user's KUBECONFIG: the demo must never touch a real cluster.
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("ARCFLEET_NAMESPACE", namespace);
            env.put("ARCFLEET_ARC_CONTROLLER_NAMESPACE", CONTROLLER_NAMESPACE);
            env.put("ARCFLEET_CACHE_HOST_ROOT", cacheRoot.toString());
            // Owned by whoever runs the demo, so it works without root or CAP_CHOWN (arcfleet's default is 1001:123).
            env.put("ARCFLEET_CACHE_UID", String.valueOf(Files.getAttribute(cacheRoot, "unix:uid")));
            env.put("ARCFLEET_CACHE_GID", String.valueOf(Files.getAttribute(cacheRoot, "unix:gid")));
            env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
            return new Launched(builder.start(), cacheRoot, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Records a class-data archive of a whole start (README, Run): the JVM build starts with the demo's
     * four sets under {@code -XX:ArchiveClassesAtExit}, becomes ready, and is stopped as systemd would stop
     * it; the JVM writes every class it loaded to {@code archive} as it exits. A later start with
     * {@code -XX:SharedArchiveFile} maps them instead of loading, verifying and linking them again.
     */
    public Path recordClassArchive(Path jar, Path archive, Duration readyWithin) {
        try {
            Files.deleteIfExists(archive);
            String namespace = "class-archive-" + System.nanoTime();
            try (KubernetesClient client = client()) {
                populate(client, namespace);
            }
            Path log = Files.createTempFile(workDir, "class-archive-", ".log");
            // The JVM warns about every class it leaves out (not linked, generated); errors still show.
            Launched app = launch(jar, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds*=error"), freePort(),
                    namespace, Redirect.to(log.toFile()));
            boolean ready;
            try {
                Poll.until(readyWithin, "/q/health/ready while recording (log: " + log + ")",
                        () -> app.status("/q/health/ready") == 200 || !app.process().isAlive());
                ready = app.process().isAlive();
            } finally {
                app.stop();
            }
            if (!ready) {
                throw new IllegalStateException("arcfleet exited before it was ready, so nothing is recorded; log: " + log);
            }
            if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
                throw new IllegalStateException("the JVM wrote no class archive to " + archive + "; log: " + log);
            }
            return archive;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The option that starts the JVM build with a recorded class archive. */
    public static String useClassArchive(Path archive) {
        return "-XX:SharedArchiveFile=" + archive;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A running arcfleet. */
    public record Launched(Process process, Path cacheRoot, int port) {

        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        /** The status code of {@code path} on arcfleet's HTTP port; -1 while nothing listens. */
        public int status(String path) {
            return get(path).statusCode();
        }

        public String body(String path) {
            return get(path).body();
        }

        private HttpResponse<String> get(String path) {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                return new Unanswered();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        /** Resident and peak resident memory (VmRSS, VmHWM) in KiB, from /proc. */
        public long[] residentKib() {
            try {
                long rss = 0;
                long hwm = 0;
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
                return new long[] {rss, hwm};
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** CPU time the process has used so far, user and system (utime + stime in /proc/<pid>/stat), in seconds. */
        public double cpuSeconds() {
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
                // After the command name in parentheses, which may hold spaces, come fields 3 (state) onwards.
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3])) / (double) clockTicksPerSecond();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static long clockTicksPerSecond() {
            try {
                Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String ticks = new String(getconf.getInputStream().readAllBytes()).trim();
                if (getconf.waitFor() != 0) {
                    throw new IllegalStateException("getconf CLK_TCK failed: " + ticks);
                }
                return Long.parseLong(ticks);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Stops arcfleet as systemd or kubelet would (SIGTERM), then for sure. */
        public void stop() {
            process.destroy();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** A "response" for a refused connection, so pollers see a status instead of an exception. */
    private static final class Unanswered implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return -1;
        }

        @Override
        public HttpRequest request() {
            return null;
        }

        @Override
        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        @Override
        public String body() {
            return "";
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        @Override
        public URI uri() {
            return null;
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
