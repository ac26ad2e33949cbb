package dev.arcfleet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * One real kube-apiserver + etcd for the whole test JVM, with the AutoscalingRunnerSet CRD installed
 * and an audit log of every write. Its kubeconfig path travels in a system property, so Quarkus
 * tests (loaded by another class loader) share the same server. Everything authenticates with the admin's client
 * certificate, but in a benchmark that starts the server by {@link #bearerTokenKubeconfig()}: that one also accepts a
 * bearer token, as a daemon in a cluster authenticates with its ServiceAccount's.
 */
public final class TestApiServer {

    private static final String KUBECONFIG_PROPERTY = "test-api-server.kubeconfig";
    private static final String AUDIT_LOG_PROPERTY = "test-api-server.audit-log";
    private static final String BEARER_KUBECONFIG_PROPERTY = "test-api-server.bearer-kubeconfig";
    /** Who the bearer token authenticates as: a member of system:masters, as the admin's certificate is. */
    public static final String BEARER_USER = "arcfleet-bench";
    private static final List<String> WRITE_VERBS = List.of("\"verb\":\"create\"", "\"verb\":\"update\"",
            "\"verb\":\"patch\"", "\"verb\":\"delete\"", "\"verb\":\"deletecollection\"");

    private TestApiServer() {
    }

    public static synchronized Path kubeconfig() {
        String existing = System.getProperty(KUBECONFIG_PROPERTY);
        if (existing != null) {
            return Path.of(existing);
        }
        return start(false);
    }

    /**
     * A kubeconfig of the API server's CA and a bearer token of {@link #BEARER_USER}, without a client certificate:
     * the server is started here, and so must not have been by anything else in this JVM.
     */
    public static synchronized Path bearerTokenKubeconfig() {
        if (System.getProperty(KUBECONFIG_PROPERTY) == null) {
            start(true);
        }
        String bearer = System.getProperty(BEARER_KUBECONFIG_PROPERTY);
        if (bearer == null) {
            throw new IllegalStateException("the API server was started without a token file: ask for its bearer-token "
                    + "kubeconfig before anything else starts it");
        }
        return Path.of(bearer);
    }

    private static Path start(boolean bearerToken) {
        try {
            Path dir = Files.createTempDirectory("arcfleet-api-server");
            Path policy = dir.resolve("audit-policy.yaml");
            try (InputStream in = TestApiServer.class.getResourceAsStream("/audit-policy.yaml")) {
                Files.copy(in, policy);
            }
            Path auditLog = dir.resolve("audit.log");
            KubeAPIServerConfigBuilder flags = KubeAPIServerConfigBuilder.anAPIServerConfig()
                    .withApiServerFlag("--audit-policy-file", policy.toString())
                    .withApiServerFlag("--audit-log-path", auditLog.toString())
                    .withStartupTimeout(120_000);
            String token = bearerToken ? newToken() : null;
            if (bearerToken) {
                Path tokens = dir.resolve("tokens.csv");
                Files.writeString(tokens, token + "," + BEARER_USER + "," + BEARER_USER + ",\"system:masters\"\n");
                flags.withApiServerFlag("--token-auth-file", tokens.toString());
            }
            KubeAPIServer server = new KubeAPIServer(flags.build());
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
            Path kubeconfig = dir.resolve("kubeconfig.yaml");
            Files.writeString(kubeconfig, server.getKubeConfigYaml());
            try (KubernetesClient client = clientFor(kubeconfig)) {
                for (String crd : List.of("/crds/autoscalingrunnersets.yaml", "/crds/autoscalinglisteners.yaml",
                        "/crds/ephemeralrunnersets.yaml")) {
                    installCrd(client, crd);
                }
            }
            if (bearerToken) {
                Path bearer = dir.resolve("bearer-kubeconfig.yaml");
                Files.writeString(bearer, bearerKubeconfig(configOf(kubeconfig), token));
                System.setProperty(BEARER_KUBECONFIG_PROPERTY, bearer.toString());
            }
            System.setProperty(KUBECONFIG_PROPERTY, kubeconfig.toString());
            System.setProperty(AUDIT_LOG_PROPERTY, auditLog.toString());
            return kubeconfig;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newToken() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }

    private static String bearerKubeconfig(Config admin, String token) throws IOException {
        String ca = admin.getCaCertData() != null ? admin.getCaCertData()
                : Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(admin.getCaCertFile())));
        return """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: test-api-server
                    cluster:
                      server: %s
                      certificate-authority-data: %s
                users:
                  - name: %s
                    user:
                      token: %s
                contexts:
                  - name: test-api-server
                    context: {cluster: test-api-server, user: %s}
                current-context: test-api-server
                """.formatted(admin.getMasterUrl().replaceAll("/+$", ""), ca, BEARER_USER, token, BEARER_USER);
    }

    private static void installCrd(KubernetesClient client, String resource) throws IOException {
        try (InputStream crd = TestApiServer.class.getResourceAsStream(resource)) {
            CustomResourceDefinition definition = client.apiextensions().v1().customResourceDefinitions().load(crd).item();
            client.resource(definition).create();
            client.apiextensions().v1().customResourceDefinitions().resource(definition)
                    // A fresh status may come without conditions yet.
                    .waitUntilCondition(current -> current.getStatus() != null && current.getStatus().getConditions() != null
                            && current.getStatus().getConditions().stream()
                                    .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())),
                            60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    public static KubernetesClient newClient() {
        return clientFor(kubeconfig());
    }

    private static KubernetesClient clientFor(Path kubeconfig) {
        return new KubernetesClientBuilder().withConfig(configOf(kubeconfig)).build();
    }

    /** The admin's client configuration, to build a client of other settings from. */
    public static Config config() {
        return configOf(kubeconfig());
    }

    private static Config configOf(Path kubeconfig) {
        try {
            return Config.fromKubeconfig(Files.readString(kubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A namespace no other test uses: the test server never finishes deleting namespaces. */
    public static String freshNamespace(KubernetesClient client, String purpose) {
        String name = (purpose + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    /**
     * Audit log lines of write requests (create, update, patch, delete) to objects in {@code namespace};
     * Events are left out: they record changes, they are none.
     */
    public static List<String> auditedWrites(String namespace) {
        return auditedRequests(namespace).stream().filter(line -> WRITE_VERBS.stream().anyMatch(line::contains))
                .filter(line -> !line.contains("\"resource\":\"events\""))
                .toList();
    }

    /** Audit log lines of every request but watches to objects in {@code namespace}. */
    public static List<String> auditedRequests(String namespace) {
        try (Stream<String> lines = auditLogLines()) {
            return lines.filter(line -> line.contains("\"namespace\":\"" + namespace + "\""))
                    .filter(line -> line.contains("\"stage\":\"ResponseComplete\""))
                    .toList();
        }
    }

    /** Every line of the audit log, oldest first: the API server moves it aside at 100 MB, as a benchmark's fills it. */
    public static Stream<String> auditLogLines() {
        kubeconfig();
        Path current = Path.of(System.getProperty(AUDIT_LOG_PROPERTY));
        List<Path> movedAside;
        try (Stream<Path> files = Files.list(current.getParent())) {
            movedAside = files.filter(file -> file.getFileName().toString().matches("audit-.*\\.log")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Stream.concat(movedAside.stream(), Stream.of(current)).flatMap(file -> {
            try {
                return Files.lines(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
