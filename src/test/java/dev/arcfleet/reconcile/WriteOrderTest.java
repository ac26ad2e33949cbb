package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatus;

/**
 * The order of a cycle's requests as the API server received them (its audit log): a set's companions together,
 * its AutoscalingRunnerSet only once they are all stored, and the cycle's Events only once its writes are done.
 */
class WriteOrderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SETS = 6;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("write-order");
        // Fewer sets at once than the fleet has: the sets are applied in waves, as a large sync's are.
        fleet.settings.parallelism(2);
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void aSetsCompanionsAreSentTogetherItsRoleBindingsOnceTheirRolesAndItsRunnerSetOnceEachIsStored() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    instances: " + SETS + "\n");
        fleet.converge();

        List<Request> requests = requests();
        int overlapping = 0;
        for (int instance = 1; instance <= SETS; instance++) {
            String setName = "arc-runner-acme-tools-" + instance;
            List<Request> companions = requests.stream().filter(request -> request.verb().equals("patch")
                    && !request.resource().equals("autoscalingrunnersets") && request.name().startsWith(setName + "-")).toList();
            List<Request> runnerSet = requests.stream().filter(request -> request.verb().equals("patch")
                    && request.resource().equals("autoscalingrunnersets") && request.name().equals(setName)).toList();
            assertEquals(companionsStored(setName), companions.size(), "companion applies of " + setName);
            assertEquals(1, runnerSet.size(), "applies of AutoscalingRunnerSet " + setName);
            Instant lastCompanionStored = companions.stream().map(Request::completed).max(Comparator.naturalOrder())
                    .orElseThrow();
            assertTrue(runnerSet.get(0).received().isAfter(lastCompanionStored), () -> "AutoscalingRunnerSet " + setName
                    + " received at " + runnerSet.get(0).received() + ", its last companion stored at " + lastCompanionStored);
            // Without the right to bind any role, a RoleBinding is refused while the Role it names is not stored.
            for (Request binding : companions.stream().filter(request -> request.resource().equals("rolebindings")).toList()) {
                Request role = companions.stream().filter(request -> request.resource().equals("roles")
                        && request.name().equals(binding.name())).findFirst().orElseThrow();
                assertTrue(binding.received().isAfter(role.completed()), () -> "RoleBinding " + binding.name()
                        + " received at " + binding.received() + ", its Role stored at " + role.completed());
            }
            if (companions.stream().anyMatch(one -> companions.stream().anyMatch(other -> one != other
                    && one.received().isBefore(other.completed()) && other.received().isBefore(one.completed())))) {
                overlapping++;
            }
        }
        // One after another, each companion would be received only once the one before it was stored.
        assertTrue(overlapping > 0, "sets whose companions the API server had in hand together: " + overlapping);
    }

    @Test
    void noMoreAppliesAreInFlightThanTheBoundAllSetsTogether() {
        fleet.settings.parallelism(SETS).appliesInFlight(3);
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    instances: " + SETS + "\n");
        fleet.converge();

        List<Request> applies = requests().stream().filter(request -> request.verb().equals("patch")).toList();
        int most = 0;
        for (Request one : applies) {
            // Those the API server had in hand when it received this one.
            most = Math.max(most, (int) applies.stream().filter(other -> !other.received().isAfter(one.received())
                    && other.completed().isAfter(one.received())).count());
        }
        // Unbounded, six sets send their seven companions each at once.
        assertEquals(3, most, () -> "most applies the API server had in hand at once, of " + applies.size());
    }

    @Test
    void aCyclesEventsAreSentOnlyOnceItsRunnerSetsAreStored() {
        // Caches in claims: no set waits for a directory, so this one cycle creates every set.
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    instances: " + SETS
                + "\n    cacheVolume: {type: persistentVolumeClaim, storage: 1Gi}\n");
        Instant cycleStarted = Instant.now();

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertEquals(SETS, report.sets().stream().filter(set -> set.reason() == SetStatus.Reason.IN_SYNC).count(),
                () -> "sets in sync after the cycle: " + report);
        List<Request> created = Poll.until(FleetFixture.TIMEOUT, SETS + " Events sent", () -> requests().stream()
                .filter(request -> request.resource().equals("events") && request.verb().equals("create")
                        && request.received().isAfter(cycleStarted)).toList(), events -> events.size() == SETS);
        Instant lastRunnerSetStored = requests().stream().filter(request -> request.resource().equals("autoscalingrunnersets")
                && request.verb().equals("patch") && request.received().isAfter(cycleStarted)).map(Request::completed)
                .max(Comparator.naturalOrder()).orElseThrow();
        Instant firstEvent = created.stream().map(Request::received).min(Comparator.naturalOrder()).orElseThrow();
        assertTrue(firstEvent.isAfter(lastRunnerSetStored), () -> "first Event received at " + firstEvent
                + ", last AutoscalingRunnerSet stored at " + lastRunnerSetStored);
    }

    @Test
    void aFailedCompanionFailsTheSetAndLeavesItsRunnerSetUnwrittenButNotTheOtherCompanions() {
        String rolebindings = "count/rolebindings.rbac.authorization.k8s.io";
        fleet.client.resource(new ResourceQuotaBuilder().withNewMetadata().withName("no-rolebindings")
                .withNamespace(fleet.namespace).endMetadata().withNewSpec().addToHard(rolebindings, new Quantity("0"))
                .endSpec().build()).create();
        // What kube-controller-manager's quota controller would report; the test API server has none.
        Map<String, Quantity> none = Map.of(rolebindings, new Quantity("0"));
        fleet.client.resourceQuotas().inNamespace(fleet.namespace).withName("no-rolebindings").editStatus(quota -> {
            quota.setStatus(new ResourceQuotaStatus(none, none));
            return quota;
        });
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.reconciler().reconcileOnce();

        SetStatus status = report.sets().get(0);
        assertEquals(SetStatus.Reason.WRITE_FAILED, status.reason(), status::toString);
        assertThat(status.detail(), containsString("apply RoleBinding arc-runner-acme-tools-1-gha-rs-"));
        assertNull(fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get());
        assertFalse(requests().stream().anyMatch(request -> request.resource().equals("autoscalingrunnersets")
                && request.verb().equals("patch")),
                "the AutoscalingRunnerSet was sent");
        // The Secret comes after the RoleBindings in the rendering: sent together, it is written all the same.
        assertNotNull(fleet.client.secrets().inNamespace(fleet.namespace)
                .withName("arc-runner-acme-tools-1-gha-rs-github-secret").get());
        assertEquals(List.of(), fleet.managedObjects().stream().filter(object -> object.startsWith("RoleBinding/")).toList());
        assertTrue(fleet.managedObjects().stream().filter(object -> object.startsWith("ServiceAccount/")
                || object.startsWith("Role/")).count() >= 2, () -> "stored: " + fleet.managedObjects());
    }

    /** What the API server stores of a set besides its AutoscalingRunnerSet. */
    private long companionsStored(String setName) {
        return fleet.managedObjects().stream().filter(object -> !object.startsWith("AutoscalingRunnerSet/")
                && object.substring(object.indexOf('/') + 1).startsWith(setName + "-")).count();
    }

    /** A request to the fixture's namespace, when the API server received it and when it completed its response. */
    private record Request(String verb, String resource, String name, Instant received, Instant completed) {
    }

    private List<Request> requests() {
        return TestApiServer.auditedRequests(fleet.namespace).stream().map(line -> {
            try {
                JsonNode event = JSON.readTree(line);
                JsonNode object = event.path("objectRef");
                return new Request(event.path("verb").asText(), object.path("resource").asText(), object.path("name").asText(),
                        Instant.parse(event.path("requestReceivedTimestamp").asText()),
                        Instant.parse(event.path("stageTimestamp").asText()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).collect(Collectors.toList());
    }
}
