package dev.arcfleet.reconcile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import dev.arcfleet.cluster.Outcome;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.settings.ArcfleetConfig;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * Finds the GitHub credentials for a repository: its own {@code githubConfigSecret}, else the token
 * file, else the shared credentials Secret; both Secrets from the credentials namespace. Read afresh every cycle, so rotation needs no restart.
 * Problems name the source and key, never a value.
 */
final class CredentialsResolver {

    private final ArcfleetConfig.Github settings;
    private final String namespace;
    private final Function<String, Optional<Secret>> secrets;

    /** @param secrets the Secrets of {@code namespace}, the credentials namespace, by name */
    CredentialsResolver(ArcfleetConfig.Github settings, String namespace, Function<String, Optional<Secret>> secrets) {
        this.settings = settings;
        this.namespace = namespace;
        this.secrets = secrets;
    }

    Outcome<GithubCredentials> resolve(RepositoryConfig repository) {
        if (repository.githubConfigSecret().isPresent()) {
            return fromSecret(repository.githubConfigSecret().get());
        }
        return settings.tokenFile().map(CredentialsResolver::fromTokenFile)
                .orElseGet(() -> fromSecret(settings.credentialsSecret()));
    }

    private static Outcome<GithubCredentials> fromTokenFile(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return Outcome.failed("cannot read arcfleet.github.token-file " + file + ": " + e.getClass().getSimpleName());
        }
        if (token.isEmpty()) {
            return Outcome.failed("arcfleet.github.token-file " + file + " is empty");
        }
        return Outcome.of(new GithubCredentials.Token(token));
    }

    private Outcome<GithubCredentials> fromSecret(String secretName) {
        Optional<Secret> secret = secrets.apply(secretName);
        String name = namespace + "/" + secretName;
        if (secret.isEmpty()) {
            return Outcome.failed("credentials Secret " + name + " not found");
        }
        Map<String, String> data = Optional.ofNullable(secret.get().getData()).orElse(Map.of());
        Optional<String> token = decoded(data, GithubCredentials.TOKEN_KEY);
        Optional<String> appId = decoded(data, GithubCredentials.APP_ID_KEY);
        Optional<String> installationId = decoded(data, GithubCredentials.APP_INSTALLATION_ID_KEY);
        Optional<String> privateKey = decoded(data, GithubCredentials.APP_PRIVATE_KEY_KEY);
        boolean anyAppKey = appId.isPresent() || installationId.isPresent() || privateKey.isPresent();
        if (token.isPresent() && anyAppKey) {
            return Outcome.failed("credentials Secret " + name + " holds both " + GithubCredentials.TOKEN_KEY
                    + " and GitHub App keys; keep one kind");
        }
        if (token.isPresent()) {
            return Outcome.of(new GithubCredentials.Token(token.get()));
        }
        if (appId.isPresent() && installationId.isPresent() && privateKey.isPresent()) {
            return Outcome.of(new GithubCredentials.App(appId.get(), installationId.get(), privateKey.get()));
        }
        if (anyAppKey) {
            return Outcome.failed("credentials Secret " + name + " needs all of " + GithubCredentials.APP_ID_KEY + ", "
                    + GithubCredentials.APP_INSTALLATION_ID_KEY + " and " + GithubCredentials.APP_PRIVATE_KEY_KEY);
        }
        return Outcome.failed("credentials Secret " + name + " has neither " + GithubCredentials.TOKEN_KEY
                + " nor GitHub App keys");
    }

    private static Optional<String> decoded(Map<String, String> data, String key) {
        return Optional.ofNullable(data.get(key))
                .map(value -> new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8).trim())
                .filter(value -> !value.isEmpty());
    }
}
