package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

class EventsTest {

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("events");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void persistentInvalidConfigMapIsRecordedOnceWithTheReason() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    maxRunner: 2\n");

        for (int cycle = 0; cycle < 3; cycle++) {
            fleet.reconciler().reconcileOnce();
        }

        List<Event> events = eventsAbout("ConfigMap", "arcfleet-repositories", "InvalidConfiguration", 1);
        assertEquals("Warning", events.get(0).getType());
        assertThat(events.get(0).getMessage(), containsString("repository acme/tools: maxRunner: unknown key"));
    }

    @Test
    void persistentConflictIsRecordedOnceOnTheConfigMap() {
        GenericKubernetesResource helmMade = ArcFixtures.helmMadeRunnerSet(fleet.namespace, "arc-runner-acme-tools-1");
        fleet.awaitCached(fleet.runnerSets().inNamespace(fleet.namespace).resource(helmMade).create());
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        for (int cycle = 0; cycle < 3; cycle++) {
            fleet.reconciler().reconcileOnce();
        }

        List<Event> events = eventsAbout("ConfigMap", "arcfleet-repositories", "Conflict", 1);
        assertThat(events.get(0).getMessage(), containsString("runner set arc-runner-acme-tools-1: not managed by arcfleet"));
    }

    @Test
    void createdAndPrunedSetsAreRecordedOnTheSet() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        eventsAbout("AutoscalingRunnerSet", "arc-runner-acme-tools-1", "Created", 1);

        fleet.writeRepositories("repositories: []\n");
        fleet.converge();

        List<Event> pruned = eventsAbout("AutoscalingRunnerSet", "arc-runner-acme-tools-1", "Pruned", 1);
        assertEquals("Normal", pruned.get(0).getType());
    }

    private List<Event> eventsAbout(String kind, String name, String reason, int expected) {
        return Poll.until(FleetFixture.TIMEOUT, expected + " " + reason + " event(s) on " + kind + " " + name,
                () -> fleet.client.v1().events().inNamespace(fleet.namespace).list().getItems().stream()
                        .filter(event -> kind.equals(event.getInvolvedObject().getKind())
                                && name.equals(event.getInvolvedObject().getName()) && reason.equals(event.getReason()))
                        .toList(),
                events -> events.size() == expected);
    }
}
