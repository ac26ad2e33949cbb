package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;

class IdleCycleTest {

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("idle");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void cycleWithNothingChangedSendsNoRequestAtAll() {
        fleet.writeRepositories(repositories(10, 3));
        assertEquals(30, fleet.converge().last().count(SetStatus.State.READY));
        // Events are sent in the background; the converging cycles' own must not count as the idle ones'.
        Poll.until(FleetFixture.TIMEOUT, "30 Created events", () -> fleet.client.v1().events().inNamespace(fleet.namespace)
                .list().getItems().stream().filter(event -> "Created".equals(event.getReason())).count() == 30);
        List<String> requestsBefore = TestApiServer.auditedRequests(fleet.namespace);

        CycleReport idle = fleet.reconciler().reconcileOnce();
        CycleReport idleAgain = fleet.reconciler().reconcileOnce();

        assertTrue(idle.succeeded() && idleAgain.succeeded());
        assertEquals(0, idle.writes() + idleAgain.writes());
        List<String> requestsAfter = TestApiServer.auditedRequests(fleet.namespace);
        assertEquals(List.of(), requestsAfter.subList(requestsBefore.size(), requestsAfter.size()),
                "idle cycles must neither write nor read past the informer caches");
    }

    /** An idle cycle skips what nothing in the informers' caches changed since; a removal is such a change. */
    @Test
    void anObjectRemovedFromTheClusterEndsTheIdleShortcut() {
        HasMetadata stray = fleet.client.configMaps().resource(new ConfigMapBuilder().withNewMetadata()
                .withName("idle-stray").withNamespace(fleet.namespace).endMetadata().build()).create();
        fleet.awaitCached(stray);
        long before = fleet.cache().storeChanges();

        fleet.client.resource(stray).withGracePeriod(0).delete();
        fleet.awaitGoneFromCache(ManagedKind.CONFIG_MAP, "idle-stray");

        assertTrue(fleet.cache().storeChanges() > before, "a removal must count as a change of the caches");
    }

    static String repositories(int count, int instances) {
        StringBuilder yaml = new StringBuilder("repositories:\n");
        for (int i = 1; i <= count; i++) {
            yaml.append("  - name: acme/service-").append(i).append("\n    instances: ").append(instances).append('\n');
        }
        return yaml.toString();
    }
}
