package dev.arcfleet.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.OrphanRetention;

/** {@link ArcfleetConfig} with the documented defaults, for tests that build the pipeline by hand. */
public final class TestSettings implements ArcfleetConfig {

    private final String namespace;
    private String controllerNamespace;
    private String arcVersion = "auto";
    private Optional<String> controllerServiceAccount = Optional.empty();
    private Optional<Path> tokenFile = Optional.empty();
    private Path cacheHostRoot;
    private String cacheNodeRoot = "/tmp/github-runner-cache";
    private String orphanRetention = "7d";

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

    public TestSettings tokenFile(Path value) {
        tokenFile = Optional.of(value);
        return this;
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public String configMap() {
        return "arcfleet-repositories";
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
                return 4;
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
            public int measureMaxEntries() {
                return 1_000_000;
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
}
