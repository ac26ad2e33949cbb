package dev.arcfleet.render;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** What ARC authenticates to GitHub with: a personal access token or a GitHub App, never both. */
public sealed interface GithubCredentials {

    String TOKEN_KEY = "github_token";
    String APP_ID_KEY = "github_app_id";
    String APP_INSTALLATION_ID_KEY = "github_app_installation_id";
    String APP_PRIVATE_KEY_KEY = "github_app_private_key";

    /** The data of a Secret ARC reads, base64-encoded as the API server stores it. */
    Map<String, String> secretData();

    record Token(String token) implements GithubCredentials {
        @Override
        public Map<String, String> secretData() {
            return Map.of(TOKEN_KEY, base64(token));
        }

        @Override
        public String toString() {
            return "GitHub token";
        }
    }

    record App(String appId, String installationId, String privateKey) implements GithubCredentials {
        @Override
        public Map<String, String> secretData() {
            Map<String, String> data = new LinkedHashMap<>();
            data.put(APP_ID_KEY, base64(appId));
            data.put(APP_INSTALLATION_ID_KEY, base64(installationId));
            data.put(APP_PRIVATE_KEY_KEY, base64(privateKey));
            return data;
        }

        @Override
        public String toString() {
            return "GitHub App " + appId;
        }
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }
}
