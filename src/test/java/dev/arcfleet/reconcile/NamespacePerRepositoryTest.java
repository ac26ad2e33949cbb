package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.FleetStatus;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Repositories in namespaces of their own, all watched from start: each set's objects where its repository says, a
 * namespace outside {@code arcfleet.runner-namespaces} refused for its own sets only, idle cycles silent in every
 * namespace, and a set moved between namespaces never absent and still the same scale set on GitHub.
 */
class NamespacePerRepositoryTest {

    private static final String ALPHA = "arc-runner-acme-alpha-1";
    private static final String BETA = "arc-runner-acme-beta-1";
    private static final String GAMMA = "arc-runner-acme-gamma-1";
    private static final String DELTA = "arc-runner-acme-delta-1";

    private FleetFixture fleet;
    private String teamA;
    private String teamB;
    private String unwatched;
    private final Map<String, ArcControllerStandIn> arcs = new HashMap<>();

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("ns-home");
        teamA = TestApiServer.freshNamespace(fleet.client, "ns-a");
        teamB = TestApiServer.freshNamespace(fleet.client, "ns-b");
        // Exists, so that only arcfleet's refusal keeps the set out of it.
        unwatched = TestApiServer.freshNamespace(fleet.client, "ns-unwatched");
        fleet.settings.runnerNamespaces(teamA, teamB);
        arcs.put(fleet.namespace, fleet.startArcController(FleetFixture.ARC_VERSION));
        for (String namespace : List.of(teamA, teamB)) {
            arcs.put(namespace, new ArcControllerStandIn(FleetFixture.ARC_VERSION, namespace, fleet.controllerNamespace()).start());
        }
    }

    @AfterEach
    void tearDown() {
        arcs.forEach((namespace, arc) -> {
            if (!namespace.equals(fleet.namespace)) {
                arc.close();
            }
        });
        fleet.close();
    }

    private String repositories(String alphaNamespace) {
        return """
                repositories:
                  - name: acme/alpha
                    namespace: %s
                  - name: acme/beta
                    namespace: %s
                  - name: acme/gamma
                  - name: acme/delta
                    namespace: %s
                """.formatted(alphaNamespace, teamB, unwatched);
    }

    private CycleReport convergeRegistered(String alphaNamespace) {
        fleet.writeRepositories(repositories(alphaNamespace));
        fleet.cycleUntil("ARC to register every set it may", report -> registered(alphaNamespace, ALPHA)
                && registered(teamB, BETA) && registered(fleet.namespace, GAMMA));
        return fleet.converge().last();
    }

    @Test
    void eachSetLivesInItsRepositorysNamespaceAndAnUnwatchedOneIsRefusedAlone() {
        CycleReport report = convergeRegistered(teamA);

        Map<String, SetStatus> statuses = new HashMap<>();
        report.sets().forEach(set -> statuses.put(set.name(), set));
        for (String set : List.of(ALPHA, BETA, GAMMA)) {
            assertEquals(SetStatus.Reason.IN_SYNC, statuses.get(set).reason(), statuses.get(set)::toString);
        }
        assertEquals(SetStatus.Reason.NAMESPACE_NOT_WATCHED, statuses.get(DELTA).reason());
        assertTrue(statuses.get(DELTA).detail().contains(unwatched), statuses.get(DELTA).detail());

        Map<String, String> home = Map.of(ALPHA, teamA, BETA, teamB, GAMMA, fleet.namespace);
        home.forEach((set, namespace) -> {
            assertEquals(List.of("ConfigMap/" + RunnerSetRenderer.hookTemplateName(set), "Role/" + RunnerSetRenderer.kubeModeName(set),
                    "Role/" + RunnerSetRenderer.managerName(set), "RoleBinding/" + RunnerSetRenderer.kubeModeName(set),
                    "RoleBinding/" + RunnerSetRenderer.managerName(set), "Secret/" + RunnerSetRenderer.githubSecretName(set),
                    "ServiceAccount/" + RunnerSetRenderer.kubeModeName(set), "AutoscalingRunnerSet/" + set).stream().sorted().toList(),
                    managedIn(namespace, set), set + " in " + namespace);
            Stream.of(fleet.namespace, teamA, teamB).filter(other -> !other.equals(namespace))
                    .forEach(other -> assertEquals(List.of(), managedIn(other, set), set + " also in " + other));
        });
        for (String namespace : List.of(fleet.namespace, teamA, teamB, unwatched)) {
            assertEquals(List.of(), managedIn(namespace, DELTA), "the refused set's objects in " + namespace);
        }
        assertEquals(List.of(), TestApiServer.auditedWrites(unwatched), "writes into a namespace arcfleet does not watch");

        FleetStatus status = FleetStatus.of(new LeaderGate.State(false, true, "test", null, "test"), Optional.of(report),
                Optional.empty(), fleet.reconciler().lastValidConfig(), fleet.cache(), fleet.caches().report(), Map.of(),
                Owner.of(fleet.settings));
        Map<String, FleetStatus.RunnerSet> shown = new HashMap<>();
        status.repositories().forEach(repository -> repository.sets().forEach(set -> shown.put(set.name(), set)));
        home.forEach((set, namespace) -> {
            assertEquals(namespace, shown.get(set).namespace());
            assertTrue(shown.get(set).exists() && shown.get(set).listener().present(), set + ": " + shown.get(set));
        });
        assertEquals(unwatched, shown.get(DELTA).namespace());
        assertFalse(shown.get(DELTA).exists());
    }

    @Test
    void anIdleCycleSendsNoRequestInAnyNamespace() {
        convergeRegistered(teamA);
        // Events are sent in the background; the converging cycles' own must not count as the idle ones'.
        for (String namespace : List.of(fleet.namespace, teamA, teamB)) {
            Poll.until(FleetFixture.TIMEOUT, "the Created event in " + namespace, () -> fleet.client.v1().events()
                    .inNamespace(namespace).list().getItems().stream().filter(event -> "Created".equals(event.getReason()))
                    .count() == 1);
        }
        List<String> before = arcfleetRequests();

        CycleReport idle = fleet.reconciler().reconcileOnce();
        CycleReport idleAgain = fleet.reconciler().reconcileOnce();

        assertEquals(0, idle.writes() + idleAgain.writes());
        List<String> after = arcfleetRequests();
        assertEquals(List.of(), after.subList(before.size(), after.size()),
                "idle cycles must neither write nor read past the informer caches, in any runner namespace");
    }

    @Test
    void aSetMovedToAnotherNamespaceExistsThereBeforeItsOldOneGoesAndStaysTheSameScaleSet() {
        convergeRegistered(teamA);
        String scaleSetId = annotation(runnerSet(teamA, ALPHA), ArcKeys.RUNNER_SCALE_SET_ID);

        fleet.writeRepositories(repositories(teamB));
        fleet.cycleUntil("the set to move to " + teamB, report -> runnerSet(teamA, ALPHA) == null
                && registered(teamB, ALPHA) && managedIn(teamA, ALPHA).isEmpty());
        CycleReport report = fleet.converge().last();

        assertEquals(SetStatus.Reason.IN_SYNC, report.sets().stream().filter(set -> set.name().equals(ALPHA)).findFirst()
                .orElseThrow().reason());
        assertEquals(scaleSetId, annotation(runnerSet(teamB, ALPHA), ArcKeys.RUNNER_SCALE_SET_ID),
                "the moved set is no longer the same scale set on GitHub");
        assertEquals(List.of(), arcs.get(teamA).deregistered, "the old set's deletion deregistered the scale set the new one uses");
        assertEquals(Optional.of(Integer.valueOf(scaleSetId)), arcs.get(teamA).registeredId(ALPHA));

        JsonNode created = arcfleetWrites(teamB, "patch", ALPHA).get(0);
        JsonNode deleted = arcfleetWrites(teamA, "delete", ALPHA).get(0);
        assertFalse(Instant.parse(created.path("stageTimestamp").asText())
                .isAfter(Instant.parse(deleted.path("requestReceivedTimestamp").asText())),
                () -> "the old set was deleted before the new one existed: created " + created + ", deleted " + deleted);
    }

    private boolean registered(String namespace, String set) {
        GenericKubernetesResource live = runnerSet(namespace, set);
        return live != null && live.getMetadata().getDeletionTimestamp() == null
                && live.getMetadata().getAnnotations().containsKey(ArcKeys.RUNNER_SCALE_SET_ID)
                && fleet.cache().listener(namespace, set).isPresent();
    }

    private GenericKubernetesResource runnerSet(String namespace, String set) {
        return fleet.runnerSets().inNamespace(namespace).withName(set).get();
    }

    private static String annotation(HasMetadata object, String key) {
        assertNotNull(object);
        return object.getMetadata().getAnnotations().get(key);
    }

    /** Every object of the set in the namespace that carries arcfleet's set label, as {@code Kind/name}, sorted. */
    private List<String> managedIn(String namespace, String set) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.addAll(fleet.client.serviceAccounts().inNamespace(namespace).withLabel(Labels.SET, set).list().getItems());
        objects.addAll(fleet.client.rbac().roles().inNamespace(namespace).withLabel(Labels.SET, set).list().getItems());
        objects.addAll(fleet.client.rbac().roleBindings().inNamespace(namespace).withLabel(Labels.SET, set).list().getItems());
        objects.addAll(fleet.client.secrets().inNamespace(namespace).withLabel(Labels.SET, set).list().getItems());
        objects.addAll(fleet.client.configMaps().inNamespace(namespace).withLabel(Labels.SET, set).list().getItems());
        objects.addAll(fleet.runnerSets().inNamespace(namespace).withLabel(Labels.SET, set).list().getItems());
        return objects.stream().map(object -> object.getKind() + "/" + object.getMetadata().getName()).sorted().toList();
    }

    /** Audit lines of arcfleet's requests (not the ARC stand-ins') in the three watched namespaces. */
    private List<String> arcfleetRequests() {
        return Stream.of(fleet.namespace, teamA, teamB).flatMap(namespace -> TestApiServer.auditedRequests(namespace).stream())
                .filter(line -> !line.contains("\"userAgent\":\"" + ArcControllerStandIn.USER_AGENT_PREFIX)).toList();
    }

    /** arcfleet's successful writes of the AutoscalingRunnerSet {@code name} in {@code namespace}, in order. */
    private static List<JsonNode> arcfleetWrites(String namespace, String verb, String name) {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> writes = TestApiServer.auditedWrites(namespace).stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).filter(event -> verb.equals(event.path("verb").asText())
                && "autoscalingrunnersets".equals(event.path("objectRef").path("resource").asText())
                && name.equals(event.path("objectRef").path("name").asText())
                && !event.path("userAgent").asText().startsWith(ArcControllerStandIn.USER_AGENT_PREFIX)
                && event.path("responseStatus").path("code").asInt() < 300).toList();
        assertFalse(writes.isEmpty(), "no " + verb + " of " + name + " in " + namespace);
        return writes;
    }
}
