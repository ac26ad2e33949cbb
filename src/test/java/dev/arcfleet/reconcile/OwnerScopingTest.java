package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.status.SetStatus;
import dev.arcfleet.status.SetStatus.Reason;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/** Two daemons with different ConfigMaps in one namespace, sharing one cache host-root, as two teams would. */
class OwnerScopingTest {

    private static final String OWNER_LABEL = "arcfleet.dev/owner";

    private FleetFixture teamA;
    private FleetFixture teamB;

    @BeforeEach
    void setUp() {
        teamA = FleetFixture.create("owners");
        teamB = teamA.beside("team-b-repositories");
        // The most dangerous setting: a directory taken for an orphan is deleted at once.
        teamA.settings.orphanRetention("0");
        teamB.settings.orphanRetention("0");
        teamA.writeRepositories("""
                repositories:
                  - name: acme/tools
                    instances: 2
                """);
        teamB.writeRepositories("""
                repositories:
                  - name: acme/web
                """);
        assertTrue(teamA.converge().last().succeeded());
        assertTrue(teamB.converge().last().succeeded());
    }

    @AfterEach
    void tearDown() {
        teamB.close();
        teamA.close();
    }

    @Test
    void neitherPrunesNorCollectsTheOthersSets() throws IOException, InterruptedException {
        Map<String, String> teamBObjects = objectVersions(owner(teamB));
        assertEquals(8, teamBObjects.size(), "team B's objects: " + teamBObjects);
        assertEquals(16, objectVersions(owner(teamA)).size());
        assertTrue(marker(teamB, "arc-runner-acme-web-1").contains("owner=" + owner(teamB)));

        teamA.writeRepositories("repositories: []\n");
        teamA.cycleUntil("team A's own objects to be pruned", report -> objectVersions(owner(teamA)).isEmpty());
        teamA.caches().awaitSynced();

        assertEquals(teamBObjects, objectVersions(owner(teamB)), "team A touched team B's objects");
        assertTrue(Files.isDirectory(teamA.cacheHostRoot().resolve("arc-runner-acme-web-1")), "team B's cache was collected");
        assertTrue(Files.notExists(teamA.cacheHostRoot().resolve("arc-runner-acme-tools-1")), "team A kept its own orphan");
        FleetFixture.Converged teamBAfter = teamB.converge();
        assertTrue(teamBAfter.last().succeeded());
        assertEquals(0, teamBAfter.writes(), "team B had to repair its sets");
    }

    @Test
    void aSetNamedLikeAnotherOwnersIsAConflictAndLeftAlone() throws IOException, InterruptedException {
        Map<String, String> teamBObjects = objectVersions(owner(teamB));
        String teamBMarker = marker(teamB, "arc-runner-acme-web-1");

        teamA.writeRepositories("""
                repositories:
                  - name: acme/tools
                    instances: 2
                  - name: acme/web
                """);
        FleetFixture.Converged collided = teamA.converge();
        teamA.caches().awaitSynced();

        SetStatus web = collided.last().sets().stream().filter(set -> set.name().equals("arc-runner-acme-web-1")).findFirst()
                .orElseThrow();
        assertEquals(Reason.OTHER_OWNERS_OBJECT_IN_THE_WAY, web.reason(), web.detail());
        assertTrue(web.detail().contains("another arcfleet configuration"), web.detail());
        assertEquals(teamBObjects, objectVersions(owner(teamB)));
        assertEquals(teamBMarker, marker(teamB, "arc-runner-acme-web-1"));
        assertTrue(teamA.caches().report().setProblems().getOrDefault("arc-runner-acme-web-1", "")
                .contains("belongs to another arcfleet configuration"), teamA.caches().report().toString());
    }

    /**
     * An older arcfleet labelled no owner. Its sets that this configuration still wants are adopted; its
     * others may be another configuration's, so they are neither pruned nor collected.
     */
    @Test
    void objectsOfAnOlderArcfleetAreAdoptedWhenDesiredAndOtherwiseLeftAlone() throws IOException, InterruptedException {
        for (HasMetadata object : ownedBy(owner(teamA))) {
            teamA.awaitCached(teamA.client.resource(object).patch(PatchContext.of(PatchType.JSON),
                    "[{\"op\":\"remove\",\"path\":\"/metadata/labels/arcfleet.dev~1owner\"}]"));
        }
        for (String set : List.of("arc-runner-acme-tools-1", "arc-runner-acme-tools-2")) {
            Path marker = teamA.cacheHostRoot().resolve(set).resolve(".arcfleet-cache");
            Files.writeString(marker, Files.readString(marker).replaceAll("(?m)^owner=.*\\n", ""));
        }
        assertEquals(Map.of(), objectVersions(owner(teamA)));

        teamA.writeRepositories("""
                repositories:
                  - name: acme/tools
                """);
        FleetFixture.Converged adopted = teamA.converge();
        teamA.caches().awaitSynced();

        assertTrue(adopted.last().succeeded(), adopted.last().toString());
        assertEquals(0, adopted.last().pruned());
        assertEquals(8, objectVersions(owner(teamA)).size(), "set -1 adopted: " + objectVersions(owner(teamA)));
        assertTrue(objectVersions(owner(teamA)).keySet().stream().allMatch(name -> name.contains("acme-tools-1")));
        assertEquals(8, teamA.managedObjects().stream().filter(name -> name.contains("acme-tools-2")).count(),
                "the unclaimed set -2 was pruned: " + teamA.managedObjects());
        assertTrue(marker(teamA, "arc-runner-acme-tools-1").contains("owner=" + owner(teamA)));
        assertTrue(Files.isDirectory(teamA.cacheHostRoot().resolve("arc-runner-acme-tools-2")), "unclaimed cache collected");
    }

    private static String owner(FleetFixture fleet) {
        return fleet.namespace + "." + fleet.settings.configMap();
    }

    private static String marker(FleetFixture fleet, String set) throws IOException {
        return Files.readString(fleet.cacheHostRoot().resolve(set).resolve(".arcfleet-cache"));
    }

    private List<HasMetadata> ownedBy(String owner) {
        List<HasMetadata> objects = new java.util.ArrayList<>();
        String namespace = teamA.namespace;
        objects.addAll(teamA.client.serviceAccounts().inNamespace(namespace).withLabel(OWNER_LABEL, owner).list().getItems());
        objects.addAll(teamA.client.rbac().roles().inNamespace(namespace).withLabel(OWNER_LABEL, owner).list().getItems());
        objects.addAll(teamA.client.rbac().roleBindings().inNamespace(namespace).withLabel(OWNER_LABEL, owner).list().getItems());
        objects.addAll(teamA.client.secrets().inNamespace(namespace).withLabel(OWNER_LABEL, owner).list().getItems());
        objects.addAll(teamA.client.configMaps().inNamespace(namespace).withLabel(OWNER_LABEL, owner).list().getItems());
        objects.addAll(teamA.runnerSets().inNamespace(namespace).withLabel(OWNER_LABEL, owner).list().getItems());
        return objects;
    }

    /** {@code Kind/name} → resourceVersion of every object labelled with the owner. */
    private Map<String, String> objectVersions(String owner) {
        Map<String, String> versions = new TreeMap<>();
        ownedBy(owner).forEach(object -> versions.put(object.getKind() + "/" + object.getMetadata().getName(),
                object.getMetadata().getResourceVersion()));
        return versions;
    }
}
