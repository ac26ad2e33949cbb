package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.Secret;

class CredentialsTest {

    private static final String SET_SECRET = "arc-runner-acme-tools-1-gha-rs-github-secret";

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("credentials");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void rotatedTokenReachesEverySet() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    instances: 2\n");
        fleet.converge();
        assertEquals(Map.of("github_token", "ghp_test_token"), setSecretData(SET_SECRET));

        Secret rotated = fleet.client.resource(ArcFixtures.tokenSecret(fleet.namespace, "arcfleet-github", "ghp_rotated")).update();
        fleet.awaitCached(rotated);
        fleet.converge();

        assertEquals(Map.of("github_token", "ghp_rotated"), setSecretData(SET_SECRET));
        assertEquals(Map.of("github_token", "ghp_rotated"), setSecretData("arc-runner-acme-tools-2-gha-rs-github-secret"));
    }

    @Test
    void switchingFromTokenToGithubAppLeavesOnlyTheAppKeys() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();

        Secret app = fleet.client.resource(ArcFixtures.appSecret(fleet.namespace, "arcfleet-github", "12345", "67890",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----")).update();
        fleet.awaitCached(app);
        fleet.converge();

        Map<String, String> data = setSecretData(SET_SECRET);
        assertEquals(Set.of("github_app_id", "github_app_installation_id", "github_app_private_key"), data.keySet());
        assertEquals("12345", data.get("github_app_id"));
    }

    @Test
    void repositoryOwnSecretAndTokenFileAreUsed(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "ghp_from_file\n");
        fleet.settings.tokenFile(tokenFile);
        fleet.client.resource(ArcFixtures.tokenSecret(fleet.namespace, "other-creds", "ghp_other")).create();
        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                  - name: acme/web
                    githubConfigSecret: other-creds
                """);

        fleet.converge();

        assertEquals(Map.of("github_token", "ghp_from_file"), setSecretData(SET_SECRET));
        assertEquals(Map.of("github_token", "ghp_other"), setSecretData("arc-runner-acme-web-1-gha-rs-github-secret"));

        Files.writeString(tokenFile, "ghp_rotated_file\n");
        fleet.converge();
        assertEquals(Map.of("github_token", "ghp_rotated_file"), setSecretData(SET_SECRET));
    }

    /** Runner jobs may read Secrets in the runner namespace; the source credentials live elsewhere. */
    @Test
    void sourceCredentialsAreReadFromTheCredentialsNamespaceOnly() {
        String credentialsNamespace = dev.arcfleet.testing.TestApiServer.freshNamespace(fleet.client, "credentials-home");
        fleet.settings.credentialsNamespace(credentialsNamespace);
        fleet.client.resource(ArcFixtures.tokenSecret(credentialsNamespace, "arcfleet-github", "ghp_kept_apart")).create();
        fleet.client.resource(ArcFixtures.tokenSecret(credentialsNamespace, "web-creds", "ghp_web_apart")).create();
        // Same names in the runner namespace, which must not be read.
        fleet.client.resource(ArcFixtures.tokenSecret(fleet.namespace, "web-creds", "ghp_in_reach_of_jobs")).create();
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n  - name: acme/web\n    githubConfigSecret: web-creds\n");

        fleet.converge();

        assertEquals(Map.of("github_token", "ghp_kept_apart"), setSecretData(SET_SECRET));
        assertEquals(Map.of("github_token", "ghp_web_apart"), setSecretData("arc-runner-acme-web-1-gha-rs-github-secret"));

        fleet.client.secrets().inNamespace(credentialsNamespace).withName("web-creds").delete();
        CycleReport report = fleet.cycleUntil("the deleted source to be noticed", cycle -> cycle.count(SetStatus.State.FAILED) == 1);
        SetStatus web = report.sets().stream().filter(set -> set.name().equals("arc-runner-acme-web-1")).findFirst().orElseThrow();
        assertThat(web.detail(), containsString("credentials Secret " + credentialsNamespace + "/web-creds not found"));
    }

    @Test
    void badCredentialsFailOnlyTheirRepositoryAndDeleteNothing() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n  - name: acme/web\n    githubConfigSecret: web-creds\n");
        fleet.client.resource(ArcFixtures.tokenSecret(fleet.namespace, "web-creds", "ghp_web")).create();
        fleet.converge();
        String webSetVersion = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-web-1").get()
                .getMetadata().getResourceVersion();

        Secret both = new io.fabric8.kubernetes.api.model.SecretBuilder(ArcFixtures.appSecret(fleet.namespace, "web-creds", "1", "2", "key"))
                .addToStringData("github_token", "ghp_also").build();
        fleet.awaitCached(fleet.client.resource(both).update());
        CycleReport report = fleet.reconciler().reconcileOnce();

        SetStatus web = report.sets().stream().filter(set -> set.name().equals("arc-runner-acme-web-1")).findFirst().orElseThrow();
        assertEquals(SetStatus.State.FAILED, web.state());
        assertThat(web.detail(), containsString("web-creds holds both github_token and GitHub App keys"));
        assertThat(web.detail(), not(containsString("ghp_also")));
        assertEquals(1, report.count(SetStatus.State.READY));
        assertEquals(0, report.pruned());
        assertEquals(webSetVersion, fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-web-1").get()
                .getMetadata().getResourceVersion());
        assertEquals(Map.of("github_token", "ghp_web"), setSecretData("arc-runner-acme-web-1-gha-rs-github-secret"));
    }

    private Map<String, String> setSecretData(String name) {
        Secret secret = fleet.client.secrets().inNamespace(fleet.namespace).withName(name).get();
        assertNotNull(secret, name);
        Map<String, String> decoded = new java.util.TreeMap<>();
        secret.getData().forEach((key, value) -> decoded.put(key,
                new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
        return decoded;
    }
}
