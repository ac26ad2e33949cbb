package dev.arcfleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.arcfleet.fleet.RepositoryConfig.CacheVolume;

/** {@code cacheVolume}: its type, the claim's fields, what is inherited, and every refusal naming repository and field. */
class CacheVolumeConfigTest {

    private final FleetConfigParser parser = new FleetConfigParser();

    private List<RepositoryConfig> parse(String yaml) throws InvalidFleetConfigException {
        return parser.parse(yaml).repositories();
    }

    private List<String> problems(String yaml) {
        return assertThrows(InvalidFleetConfigException.class, () -> parser.parse(yaml)).problems();
    }

    private static String repository(String fields) {
        return "repositories:\n  - name: acme/widgets\n" + fields.indent(4);
    }

    @Test
    void hostPathIsTheDefault() throws InvalidFleetConfigException {
        assertEquals(new CacheVolume.HostPath(), parse(repository("instances: 1")).get(0).cacheVolume());
        assertEquals(new CacheVolume.HostPath(), parse(repository("cacheVolume: {type: hostPath}")).get(0).cacheVolume());
    }

    @Test
    void claimTakesItsFieldsAndDefaultsToReadWriteOnceAndTheDefaultClass() throws InvalidFleetConfigException {
        assertEquals(new CacheVolume.Claim(Optional.empty(), List.of("ReadWriteOnce"), "20Gi"),
                parse(repository("cacheVolume: {type: persistentVolumeClaim, storage: 20Gi}")).get(0).cacheVolume());
        assertEquals(new CacheVolume.Claim(Optional.of("standard"), List.of("ReadWriteOncePod"), "5Gi"),
                parse(repository("cacheVolume: {type: persistentVolumeClaim, storageClassName: standard, storage: 5Gi,"
                        + " accessModes: [ReadWriteOncePod]}")).get(0).cacheVolume());
    }

    @Test
    void repositoryInheritsTheDefaultsClaimFieldByFieldOrGoesBackToHostPath() throws InvalidFleetConfigException {
        List<RepositoryConfig> repositories = parse("""
                defaults:
                  cacheVolume: {type: persistentVolumeClaim, storageClassName: standard, storage: 20Gi}
                repositories:
                  - name: acme/inherits
                  - name: acme/bigger
                    cacheVolume: {storage: 50Gi}
                  - name: acme/node
                    cacheVolume: {type: hostPath}
                """);
        assertEquals(new CacheVolume.Claim(Optional.of("standard"), List.of("ReadWriteOnce"), "20Gi"), repositories.get(0).cacheVolume());
        assertEquals(new CacheVolume.Claim(Optional.of("standard"), List.of("ReadWriteOnce"), "50Gi"), repositories.get(1).cacheVolume());
        assertEquals(new CacheVolume.HostPath(), repositories.get(2).cacheVolume());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{type: emptyDir}                                                          | repository acme/widgets: cacheVolume.type: must be hostPath or persistentVolumeClaim, got 'emptyDir'",
        "{type: persistentVolumeClaim}                                             | repository acme/widgets: cacheVolume.storage: required for type persistentVolumeClaim",
        "{type: persistentVolumeClaim, storage: lots}                              | repository acme/widgets: cacheVolume.storage: must be a positive Kubernetes quantity such as 20Gi, got 'lots'",
        "{type: persistentVolumeClaim, storage: 0Gi}                               | repository acme/widgets: cacheVolume.storage: must be a positive Kubernetes quantity",
        "{type: persistentVolumeClaim, storage: 1Gi, accessModes: [ReadWriteSome]} | repository acme/widgets: cacheVolume.accessModes: unknown access mode 'ReadWriteSome'",
        "{type: persistentVolumeClaim, storage: 1Gi, accessModes: []}              | repository acme/widgets: cacheVolume.accessModes: must name at least one access mode",
        "{type: persistentVolumeClaim, storage: 1Gi, accessModes: ReadWriteOnce}   | repository acme/widgets: cacheVolume.accessModes: must be a list of strings",
        "{type: persistentVolumeClaim, storage: 1Gi, storageClassName: Local_Disk} | repository acme/widgets: cacheVolume.storageClassName: must be a StorageClass name, got 'Local_Disk'",
        "{type: hostPath, storage: 1Gi}                                            | repository acme/widgets: cacheVolume.storage: applies only to type persistentVolumeClaim",
        "{type: persistentVolumeClaim, storage: 1Gi, size: 2Gi}                    | repository acme/widgets: cacheVolume.",
        "persistentVolumeClaim                                                     | repository acme/widgets: cacheVolume: must be a mapping",
    })
    void everyFieldIsValidatedNamingRepositoryAndField(String volume, String expected) {
        List<String> problems = problems(repository("cacheVolume: " + volume.strip()));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(expected.strip()), problems.get(0));
    }

    @Test
    void maxCacheSizeWithAClaimIsRefused() {
        List<String> problems = problems(repository("maxCacheSize: 10Gi\ncacheVolume: {type: persistentVolumeClaim, storage: 20Gi}"));
        assertEquals(List.of("repository acme/widgets: maxCacheSize: does not apply to a cacheVolume of type"
                + " persistentVolumeClaim: the claim's storage is its limit; remove one of the two"), problems);
        List<String> fromDefaults = problems("defaults:\n  maxCacheSize: 10Gi\n"
                + repository("cacheVolume: {type: persistentVolumeClaim, storage: 20Gi}"));
        assertEquals(1, fromDefaults.size(), fromDefaults.toString());
        assertTrue(fromDefaults.get(0).startsWith("repository acme/widgets: maxCacheSize: does not apply"), fromDefaults.get(0));
    }
}
