package dev.arcfleet.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.OrphanRetention;

/** {@link ArcfleetConfig} with the documented defaults, for tests that build the pipeline by hand. */
public final class TestSettings implements ArcfleetConfig {

    private final String namespace;
    private String controllerNamespace;
    private String arcVersion = "auto";
    private int maxSets = Integer.parseInt(ArcfleetConfig.DEFAULT_MAX_SETS);
    private int parallelism = Integer.parseInt(Reconcile.DEFAULT_PARALLELISM);
    private int appliesInFlight = Integer.parseInt(Reconcile.DEFAULT_APPLIES_IN_FLIGHT);
    private Optional<String> controllerServiceAccount = Optional.empty();
    private Optional<Path> tokenFile = Optional.empty();
    private Path cacheHostRoot;
    private String cacheNodeRoot = "/tmp/github-runner-cache";
    private String orphanRetention = "7d";
    private Duration cacheStallAfter = Duration.ofMinutes(5);
    private Duration cacheStuckAfter = Duration.ofMinutes(30);
    private String configMap = "arcfleet-repositories";
    private Optional<String> credentialsNamespace = Optional.empty();
    private Optional<java.util.List<String>> runnerNamespaces = Optional.empty();
    private Optional<Boolean> leaderElection = Optional.empty();
    private Optional<String> leaseNamespace = Optional.empty();
    private Duration leaseDuration = Duration.ofSeconds(15);
    private Duration renewDeadline = Duration.ofSeconds(10);
    private Duration retryPeriod = Duration.ofSeconds(2);

    public TestSettings(String namespace) {
        this.namespace = namespace;
        this.controllerNamespace = namespace + "-arc";
    }

    public TestSettings controllerNamespace(String value) {
        controllerNamespace = value;
        return this;
    }

    public TestSettings arcVersion(String value) {
        arcVersion = value;
        return this;
    }

    public TestSettings controllerServiceAccount(String value) {
        controllerServiceAccount = Optional.of(value);
        return this;
    }

    public TestSettings cacheHostRoot(Path value) {
        cacheHostRoot = value;
        return this;
    }

    public TestSettings orphanRetention(String value) {
        orphanRetention = value;
        return this;
    }

    public TestSettings cacheStuckAfter(Duration value) {
        cacheStuckAfter = value;
        return this;
    }

    public TestSettings cacheStallAfter(Duration value) {
        cacheStallAfter = value;
        return this;
    }

    public TestSettings configMap(String value) {
        configMap = value;
        return this;
    }

    public TestSettings runnerNamespaces(String... values) {
        runnerNamespaces = Optional.of(java.util.List.of(values));
        return this;
    }

    public TestSettings credentialsNamespace(String value) {
        credentialsNamespace = Optional.of(value);
        return this;
    }

    public TestSettings leaderElection(boolean enabled) {
        leaderElection = Optional.of(enabled);
        return this;
    }

    public TestSettings leaseNamespace(String value) {
        leaseNamespace = Optional.of(value);
        return this;
    }

    public TestSettings leaseTimings(Duration duration, Duration deadline, Duration retry) {
        leaseDuration = duration;
        renewDeadline = deadline;
        retryPeriod = retry;
        return this;
    }

    public TestSettings tokenFile(Path value) {
        tokenFile = Optional.of(value);
        return this;
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public Optional<java.util.List<String>> runnerNamespaces() {
        return runnerNamespaces;
    }

    @Override
    public String configMap() {
        return configMap;
    }

    @Override
    public int maxSets() {
        return maxSets;
    }

    public TestSettings maxSets(int value) {
        maxSets = value;
        return this;
    }

    /** Sets applied at once; fewer than a fleet's sets apply it in waves. */
    public TestSettings parallelism(int value) {
        parallelism = value;
        return this;
    }

    /** Applies in flight at once, all sets together. */
    public TestSettings appliesInFlight(int value) {
        appliesInFlight = value;
        return this;
    }

    @Override
    public Reconcile reconcile() {
        return new Reconcile() {
            @Override
            public Duration interval() {
                return Duration.ofSeconds(30);
            }

            @Override
            public int parallelism() {
                return parallelism;
            }

            @Override
            public int appliesInFlight() {
                return appliesInFlight;
            }
        };
    }

    @Override
    public Github github() {
        return new Github() {
            @Override
            public String url() {
                return "https://github.com";
            }

            @Override
            public String credentialsSecret() {
                return "arcfleet-github";
            }

            @Override
            public Optional<Path> tokenFile() {
                return tokenFile;
            }

            @Override
            public Optional<String> credentialsNamespace() {
                return credentialsNamespace;
            }
        };
    }

    @Override
    public Cache cache() {
        return new Cache() {
            @Override
            public Path hostRoot() {
                return cacheHostRoot;
            }

            @Override
            public String nodeRoot() {
                return cacheNodeRoot;
            }

            @Override
            public int uid() {
                return 1001;
            }

            @Override
            public int gid() {
                return 123;
            }

            @Override
            public String mode() {
                return "2775";
            }

            @Override
            public OrphanRetention orphanRetention() {
                return OrphanRetention.parse(orphanRetention);
            }

            @Override
            public Duration measureInterval() {
                return Duration.ofHours(1);
            }

            @Override
            public Duration stallAfter() {
                return cacheStallAfter;
            }

            @Override
            public Duration stuckAfter() {
                return cacheStuckAfter;
            }
        };
    }

    @Override
    public Arc arc() {
        return new Arc() {
            @Override
            public String version() {
                return arcVersion;
            }

            @Override
            public String controllerNamespace() {
                return controllerNamespace;
            }

            @Override
            public Optional<String> controllerServiceAccount() {
                return controllerServiceAccount;
            }
        };
    }

    @Override
    public LeaderElection leaderElection() {
        return new LeaderElection() {
            @Override
            public Optional<Boolean> enabled() {
                return leaderElection;
            }

            @Override
            public Optional<String> leaseName() {
                return Optional.empty();
            }

            @Override
            public Optional<String> leaseNamespace() {
                return leaseNamespace;
            }

            @Override
            public Duration leaseDuration() {
                return leaseDuration;
            }

            @Override
            public Duration renewDeadline() {
                return renewDeadline;
            }

            @Override
            public Duration retryPeriod() {
                return retryPeriod;
            }
        };
    }
}
