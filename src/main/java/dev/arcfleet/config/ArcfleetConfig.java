package dev.arcfleet.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The daemon's settings; README lists each property with its default. */
@ConfigMapping(prefix = "arcfleet")
public interface ArcfleetConfig {

    @WithDefault("arc-runners")
    String namespace();

    @WithDefault("arcfleet-repositories")
    String configMap();

    Reconcile reconcile();

    Github github();

    Arc arc();

    interface Reconcile {
        @WithDefault("30s")
        Duration interval();

        /** Server-side applies in flight at once. */
        @WithDefault("4")
        int parallelism();
    }

    interface Github {
        @WithDefault("https://github.com")
        String url();

        @WithDefault("arcfleet-github")
        String credentialsSecret();

        Optional<Path> tokenFile();
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
}
