package dev.arcfleet.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The cluster a command may read, found as kubectl finds it: {@code KUBECONFIG}, {@code ~/.kube/config}, or the
 * pod's ServiceAccount. Commands only read, and fail fast rather than retry: a person is waiting.
 */
final class ClusterAccess {

    private static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");
    private static final int TIMEOUT_MILLIS = 10_000;

    private ClusterAccess() {
    }

    /** A client if some cluster is configured; empty if none is, so the caller can ask for what it needs instead. */
    static Optional<KubernetesClient> configured() {
        boolean kubeconfig = Config.getKubeconfigFilenames().stream().anyMatch(file -> Files.isRegularFile(Path.of(file)));
        boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.isRegularFile(SERVICE_ACCOUNT_TOKEN);
        if (!kubeconfig && !inCluster) {
            return Optional.empty();
        }
        Config config = Config.autoConfigure(null);
        config.setRequestRetryBackoffLimit(0);
        config.setConnectionTimeout(TIMEOUT_MILLIS);
        config.setRequestTimeout(TIMEOUT_MILLIS);
        return Optional.of(new KubernetesClientBuilder().withConfig(config).build());
    }

    /** The server's Kubernetes minor version as it reports it: "29+" on some distributions. */
    static String kubernetesMinorVersion(KubernetesClient client) {
        return client.getKubernetesVersion().getMinor();
    }

    static String describe(KubernetesClient client) {
        return client.getConfiguration().getMasterUrl();
    }

    static String reason(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
    }
}
