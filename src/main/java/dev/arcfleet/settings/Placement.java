package dev.arcfleet.settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the daemon runs, which decides the defaults docs/high-availability.md describes: in a
 * cluster, leader election is on and the Lease and the credentials Secrets live in the pod's own
 * namespace; elsewhere (systemd, a laptop) leader election is off and both default to
 * {@code arcfleet.namespace}, where they were before these settings existed.
 *
 * @param podNamespace the namespace of the pod arcfleet runs in; empty outside a cluster
 */
public record Placement(Optional<String> podNamespace) {

    static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    /** Read afresh on each call: cheap, and nothing is fixed when a native image is built. */
    public static Placement current() {
        return detect(System.getenv(), SERVICE_ACCOUNT_NAMESPACE);
    }

    /**
     * In a cluster means what it means to the Kubernetes client: the kubelet set
     * {@code KUBERNETES_SERVICE_HOST} and mounted the pod's ServiceAccount, whose namespace file names
     * the pod's namespace. A pod without a mounted ServiceAccount counts as outside.
     */
    static Placement detect(Map<String, String> environment, Path namespaceFile) {
        String serviceHost = environment.get("KUBERNETES_SERVICE_HOST");
        if (serviceHost == null || serviceHost.isBlank()) {
            return new Placement(Optional.empty());
        }
        try {
            return new Placement(Optional.of(Files.readString(namespaceFile).trim()).filter(name -> !name.isEmpty()));
        } catch (IOException e) {
            return new Placement(Optional.empty());
        }
    }

    public boolean inCluster() {
        return podNamespace.isPresent();
    }

    public String ownNamespace(ArcfleetConfig config) {
        return podNamespace.orElse(config.namespace());
    }

    /**
     * Where runner sets may live: {@code arcfleet.namespace}, which holds the repositories ConfigMap and is always
     * watched, then each of {@code arcfleet.runner-namespaces} once. The list is fixed at start: a namespace arcfleet
     * has no informers or RBAC for is refused set by set, never watched on demand.
     */
    public static List<String> runnerNamespaces(ArcfleetConfig config) {
        LinkedHashSet<String> namespaces = new LinkedHashSet<>(List.of(config.namespace()));
        config.runnerNamespaces().ifPresent(namespaces::addAll);
        return List.copyOf(namespaces);
    }

    public String credentialsNamespace(ArcfleetConfig config) {
        return config.github().credentialsNamespace().orElse(ownNamespace(config));
    }

    /**
     * Why {@link #credentialsNamespace} is what it is, for a command to tell a person: a command run outside the
     * cluster cannot know the namespace a daemon in it runs in.
     */
    public String credentialsNamespaceSource(ArcfleetConfig config) {
        if (config.github().credentialsNamespace().isPresent()) {
            return "arcfleet.github.credentials-namespace";
        }
        return inCluster() ? "the namespace arcfleet runs in; arcfleet.github.credentials-namespace is unset"
                : "arcfleet.namespace, as outside a cluster; a daemon in a cluster reads the namespace it runs in"
                        + " (arcfleet with deploy/kubernetes) unless arcfleet.github.credentials-namespace is set";
    }

    public boolean leaderElection(ArcfleetConfig config) {
        return config.leaderElection().enabled().orElse(inCluster());
    }

    public String leaseNamespace(ArcfleetConfig config) {
        return config.leaderElection().leaseNamespace().orElse(ownNamespace(config));
    }

    public String leaseName(ArcfleetConfig config) {
        return config.leaderElection().leaseName().orElse("arcfleet." + Owner.of(config).value());
    }
}
