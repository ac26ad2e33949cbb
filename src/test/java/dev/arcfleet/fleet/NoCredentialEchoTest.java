package dev.arcfleet.fleet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A credential pasted into any string field, or as a key, never comes back in a validation message. */
class NoCredentialEchoTest {

    private static final List<String> CREDENTIALS = List.of(
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "gho_abcdefghijklmnopqrstuvwxyz0123456789",
            "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----");
    private static final List<String> FIELDS = List.of("name: %s", "name: acme/tools\n    installationName: \"%s\"",
            "name: acme/tools\n    runnerGroup: \"%s\"", "name: acme/tools\n    githubConfigSecret: \"%s\"",
            "name: acme/tools\n    containerMode: \"%s\"", "name: acme/tools\n    runnerImage: \"%s\"",
            "name: acme/tools\n    maxCacheSize: \"%s\"",
            "name: acme/tools\n    workVolumeClaimTemplate: {storageClassName: \"%s\"}",
            "name: acme/tools\n    workVolumeClaimTemplate: {storage: \"%s\"}",
            "name: acme/tools\n    workVolumeClaimTemplate: {accessModes: [\"%s\"]}",
            "name: acme/tools\n    cachePaths: [{name: \"%s\", path: /opt/cache}]",
            "name: acme/tools\n    cachePaths: [{name: tools, path: \"%s\"}]",
            "name: acme/tools\n    \"%s\": 1");

    static List<String[]> pastes() {
        List<String[]> pastes = new ArrayList<>();
        for (String credential : CREDENTIALS) {
            for (String field : FIELDS) {
                pastes.add(new String[] {credential, "repositories:\n  - " + field.formatted(credential) + "\n"});
            }
        }
        return pastes;
    }

    @ParameterizedTest
    @MethodSource("pastes")
    void theCredentialIsNeverEchoed(String credential, String yaml) {
        try {
            new FleetConfigParser().parse(yaml);
        } catch (InvalidFleetConfigException e) {
            String secretPart = credential.startsWith("-----") ? "MIIEpAIBAAKCAQEA" : credential.substring(4, 20);
            assertFalse(e.getMessage().contains(secretPart), e.getMessage());
            assertTrue(e.problems().stream().noneMatch(problem -> problem.contains(secretPart)), e.getMessage());
        }
    }
}
