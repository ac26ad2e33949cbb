package dev.arcfleet.cli;

import java.io.PrintWriter;
import java.util.Optional;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.chart.KubeMinorVersion;
import dev.arcfleet.cluster.ArcControllerDiscovery;
import dev.arcfleet.cluster.Outcome;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Owner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine.Option;

/**
 * What the daemon reads from the cluster before it renders (the ARC controller's version and ServiceAccount, the
 * Kubernetes version), for a command: from these options or the {@code arcfleet.*} settings, else from the cluster.
 */
public class ClusterFactsOptions {

    static final int DEFAULT_KUBERNETES_MINOR_VERSION = 33;
    private static final String AUTO = "auto";

    @Option(names = "--arc-version", description = "The ARC controller's version (default: arcfleet.arc.version unless"
            + " auto, else read from the cluster).")
    String arcVersion;

    @Option(names = "--controller-service-account", defaultValue = "arc-gha-rs-controller",
            description = "With --arc-version: the ARC controller's ServiceAccount when arcfleet.arc.controller-service-account"
                    + " is unset (default: ${DEFAULT-VALUE}, the controller chart's for release arc).")
    String controllerServiceAccount;

    @Option(names = "--kubernetes-minor-version",
            description = "The cluster's Kubernetes minor version; 29 and later run dind as a native sidecar (default: the"
                    + " cluster's when it is read, else " + DEFAULT_KUBERNETES_MINOR_VERSION + ").")
    Integer kubernetesMinorVersion;

    /** True when the options or settings pin the version, so that no cluster needs to be read. */
    boolean pinned(ArcfleetConfig config) {
        return !AUTO.equals(version(config));
    }

    /**
     * The facts for {@code namespace}; reads {@code cluster} for what is not pinned, and says on {@code err} what it
     * read. Empty, with the reason on {@code err}, when they cannot be known.
     */
    Optional<ClusterFacts> facts(ArcfleetConfig config, String namespace, Optional<KubernetesClient> cluster,
            PrintWriter err) {
        if (pinned(config)) {
            ArcController controller = new ArcController(version(config),
                    config.arc().controllerServiceAccount().orElse(controllerServiceAccount), config.arc().controllerNamespace());
            int minor = kubernetesMinorVersion != null ? kubernetesMinorVersion
                    : cluster.map(ClusterAccess::kubernetesMinorVersion).map(KubeMinorVersion::asTheChartReadsIt)
                            .orElse(DEFAULT_KUBERNETES_MINOR_VERSION);
            return Optional.of(facts(config, namespace, controller, minor));
        }
        if (cluster.isEmpty()) {
            err.println("give --arc-version: no cluster is configured (KUBECONFIG, ~/.kube/config) to read the ARC"
                    + " controller's version from");
            return Optional.empty();
        }
        KubernetesClient client = cluster.get();
        try {
            Outcome<ArcController> controller = ArcControllerDiscovery.discover(client, config);
            if (controller.value().isEmpty()) {
                err.println("give --arc-version: " + controller.problem());
                return Optional.empty();
            }
            String reported = ClusterAccess.kubernetesMinorVersion(client);
            int minor = kubernetesMinorVersion != null ? kubernetesMinorVersion : KubeMinorVersion.asTheChartReadsIt(reported);
            ArcController arc = controller.value().get();
            err.printf("Read from the cluster at %s: ARC controller %s (ServiceAccount %s/%s)%s%n",
                    ClusterAccess.describe(client), arc.version(), arc.serviceAccountNamespace(), arc.serviceAccountName(),
                    kubernetesMinorVersion != null ? "" : ", Kubernetes 1." + reported
                            + (reported.equals(Integer.toString(minor)) ? "" : ", which the chart reads as minor version "
                                    + minor));
            return Optional.of(facts(config, namespace, arc, minor));
        } catch (KubernetesClientException e) {
            err.println("give --arc-version: cannot read the ARC controller from the cluster at " + ClusterAccess.describe(client)
                    + ": " + ClusterAccess.reason(e));
            return Optional.empty();
        }
    }

    private String version(ArcfleetConfig config) {
        return arcVersion != null ? arcVersion : config.arc().version();
    }

    private static ClusterFacts facts(ArcfleetConfig config, String namespace, ArcController controller, int minor) {
        return new ClusterFacts(namespace, config.github().url(), controller, minor, config.cache().nodeRoot(),
                Owner.of(config).value());
    }
}
