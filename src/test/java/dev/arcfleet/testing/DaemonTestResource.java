package dev.arcfleet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points the daemon under test at the shared test API server, in namespaces of its own that hold an
 * ARC controller stand-in, a token Secret and a ConfigMap of two repositories (three sets).
 */
public class DaemonTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String VALID_REPOSITORIES = """
            repositories:
              - name: rkoster/rubionic-workspace
                instances: 2
              - name: acme/tools
            """;

    @Override
    public Map<String, String> start() {
        String kubeconfig = TestApiServer.kubeconfig().toString();
        // Read by the Kubernetes client the daemon builds, as KUBECONFIG would be.
        System.setProperty("kubeconfig", kubeconfig);
        try (KubernetesClient client = TestApiServer.newClient()) {
            String namespace = TestApiServer.freshNamespace(client, "daemon");
            String controllerNamespace = TestApiServer.freshNamespace(client, "daemon-arc");
            ArcFixtures.installController(client, controllerNamespace, FleetFixture.ARC_VERSION);
            client.resource(ArcFixtures.tokenSecret(namespace, "arcfleet-github", "ghp_daemon_token")).create();
            client.resource(ArcFixtures.repositories(namespace, VALID_REPOSITORIES)).create();
            Path cacheRoot = Files.createTempDirectory("arcfleet-daemon-cache");
            return Map.of("arcfleet.namespace", namespace, "arcfleet.arc.controller-namespace", controllerNamespace,
                    "arcfleet.cache.host-root", cacheRoot.toString(), "arcfleet.cache.measure-interval", "1s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        System.clearProperty("kubeconfig");
    }
}
