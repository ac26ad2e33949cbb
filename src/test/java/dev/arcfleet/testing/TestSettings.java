package dev.arcfleet.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.arcfleet.config.ArcfleetConfig;

/** {@link ArcfleetConfig} with the documented defaults, for tests that build the pipeline by hand. */
public final class TestSettings implements ArcfleetConfig {

    private final String namespace;
    private String controllerNamespace;
    private String arcVersion = "auto";
    private Optional<String> controllerServiceAccount = Optional.empty();
    private Optional<Path> tokenFile = Optional.empty();

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
