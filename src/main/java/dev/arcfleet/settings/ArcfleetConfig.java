package dev.arcfleet.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

/** The daemon's settings; docs/configuration.md, "Settings", lists each property with its default. */
@ConfigMapping(prefix = "arcfleet")
public interface ArcfleetConfig {

    @WithDefault("arc-runners")
    String namespace();

    /**
     * Further namespaces a repository's {@code namespace} may name; each is watched from start, with namespaced RBAC
     * there ({@link Placement#runnerNamespaces}).
     */
    Optional<List<String>> runnerNamespaces();

    @WithDefault("arcfleet-repositories")
    String configMap();

    String DEFAULT_MAX_SETS = "1000";

    /** A configuration describing more runner sets is refused, and nothing is changed. */
    @WithDefault(DEFAULT_MAX_SETS)
    int maxSets();

    Reconcile reconcile();

    Github github();

    Arc arc();

    Cache cache();

    LeaderElection leaderElection();

    interface Reconcile {
        @WithDefault("30s")
        Duration interval();

        String DEFAULT_PARALLELISM = "16";

        /** Runner sets applied at once; each sends its companions together, its AutoscalingRunnerSet once they are stored. */
        @WithDefault(DEFAULT_PARALLELISM)
        int parallelism();

        String DEFAULT_APPLIES_IN_FLIGHT = "32";

        /**
         * Server-side applies in flight at once, all sets together. Over HTTP/1.1 each needs a connection of its own, and
         * each new connection a TLS handshake, which the API server pays for as well; it also refuses mutating requests
         * beyond its own limit (200 by default) with 429.
         */
        @WithDefault(DEFAULT_APPLIES_IN_FLIGHT)
        int appliesInFlight();
    }

    interface Github {
        @WithDefault("https://github.com")
        String url();

        @WithDefault("arcfleet-github")
        String credentialsSecret();

        Optional<Path> tokenFile();

        /**
         * Where the credentials Secret and every {@code githubConfigSecret} are read from; empty means the
         * namespace arcfleet runs in ({@link Placement#ownNamespace}).
         */
        Optional<String> credentialsNamespace();
    }

    interface Arc {
        /** {@code auto} reads it from the controller Deployment. */
        @WithDefault("auto")
        String version();

        @WithDefault("arc-systems")
        String controllerNamespace();

        /** Overrides the ServiceAccount read from the controller Deployment's labels. */
        Optional<String> controllerServiceAccount();
    }

    interface Cache {
        /** Where arcfleet itself sees node-root: a hostPath mount in-cluster, the kind extraMounts source beside kind. */
        @WithDefault("/tmp/github-runner-cache")
        Path hostRoot();

        /** The same directory as the node sees it, written into pod specs. */
        @WithDefault("/tmp/github-runner-cache")
        String nodeRoot();

        /** The actions-runner image's {@code runner} user. */
        @WithDefault("1001")
        int uid();

        /** The actions-runner image's {@code docker} group. */
        @WithDefault("123")
        int gid();

        /** Octal; setgid keeps new files in the group. */
        @WithDefault("2775")
        String mode();

        /** How long a removed set's directory is kept: a duration such as {@code 7d}, {@code 0}, or {@code never}. */
        @WithDefault("7d")
        @WithConverter(OrphanRetention.FromProperty.class)
        OrphanRetention orphanRetention();

        /** How often each set's cache is measured. */
        @WithDefault("5m")
        Duration measureInterval();

        /** A cache operation that makes no progress for this long shows in readiness and {@code arcfleet_cache_stalled}. */
        @WithDefault("5m")
        Duration stallAfter();

        /**
         * A cache operation that makes no progress for this long fails liveness, so the daemon is restarted; longer
         * than {@link #stallAfter()}, which readiness shows first.
         */
        @WithDefault("30m")
        Duration stuckAfter();
    }

    /** Only the holder of a coordination.k8s.io Lease reconciles; docs/high-availability.md. */
    interface LeaderElection {
        /** Empty: on in a cluster, off elsewhere ({@link Placement#leaderElection}). */
        Optional<Boolean> enabled();

        /** Empty: {@code arcfleet.<owner>}, so daemons of different configurations never wait for each other. */
        Optional<String> leaseName();

        /** Empty: the namespace arcfleet runs in ({@link Placement#leaseNamespace}). */
        Optional<String> leaseNamespace();

        /** How long a Lease holds without renewal before a standby may take it over. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** The leader stops writing when it could not renew for this long, before its Lease can expire. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often the leader renews and standbys try to acquire. */
        @WithDefault("2s")
        Duration retryPeriod();
    }
}
