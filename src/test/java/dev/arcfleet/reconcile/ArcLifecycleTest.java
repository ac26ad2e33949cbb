package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.status.SetStatus.Reason;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/** arcfleet beside ARC's controller (the stand-in): deletion order, mode changes, versions, credentials. */
class ArcLifecycleTest {

    private static final String SET_1 = "arc-runner-acme-tools-1";
    private static final String SET_2 = "arc-runner-acme-tools-2";
    private static final String TWO_SETS = """
            repositories:
              - name: acme/tools
                instances: 2
            """;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("lifecycle");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void deletingTheNamespaceInItsOwnOrderLeavesNothingTerminating() throws java.io.IOException {
        // Under systemd the token comes from a file, so arcfleet keeps rendering while the namespace goes.
        java.nio.file.Path tokenFile = java.nio.file.Files.createTempFile("arcfleet-token", "");
        java.nio.file.Files.writeString(tokenFile, "ghp_from_a_file");
        fleet.settings.tokenFile(tokenFile);
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        convergeRegistered(TWO_SETS, SET_1, SET_2);

        // What kubectl delete ns does: the namespace refuses new objects, then core and RBAC kinds go
        // before custom resources. arcfleet keeps running meanwhile.
        fleet.client.namespaces().withName(fleet.namespace).delete();
        fleet.client.secrets().inNamespace(fleet.namespace).delete();
        fleet.client.configMaps().inNamespace(fleet.namespace).delete();
        fleet.client.serviceAccounts().inNamespace(fleet.namespace).delete();
        fleet.client.rbac().roles().inNamespace(fleet.namespace).delete();
        fleet.client.rbac().roleBindings().inNamespace(fleet.namespace).delete();
        awaitCycleAfterDeletionOf(SET_1 + "-gha-rs-github-secret");
        fleet.runnerSets().inNamespace(fleet.namespace).delete();

        fleet.cycleUntil("nothing of the sets left", report -> fleet.managedObjects().isEmpty());
        assertEquals(List.of(SET_1, SET_2), arc.deregistered.stream().sorted().toList());
    }

    @Test
    void secretAndSetDeletedTogetherAreDeregisteredAndRecreated() {
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        convergeRegistered(TWO_SETS, SET_1, SET_2);

        // kubectl delete secret,autoscalingrunnerset -l ...: the Secret first, the set right after.
        fleet.client.secrets().inNamespace(fleet.namespace).withName(SET_1 + "-gha-rs-github-secret").delete();
        awaitCycleAfterDeletionOf(SET_1 + "-gha-rs-github-secret");
        fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_1).delete();

        fleet.cycleUntil("the set deregistered and back", report -> arc.deregistered.contains(SET_1) && registered(SET_1)
                && fleet.managedObjects().stream().noneMatch(object -> object.endsWith("(terminating)")));
        assertTrue(fleet.converge().last().succeeded());
    }

    @Test
    void aSecretGoneWhileTheSetIsBeingDeletedIsRecreatedForArcsCleanup() {
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        convergeRegistered(TWO_SETS, SET_1, SET_2);
        arc.close();

        fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_1).delete();
        String secretName = SET_1 + "-gha-rs-github-secret";
        fleet.client.secrets().inNamespace(fleet.namespace).withName(secretName)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        fleet.client.secrets().inNamespace(fleet.namespace).withName(secretName).delete();
        fleet.awaitGoneFromCache(ManagedKind.SECRET, secretName);

        ArcControllerStandIn restarted = fleet.startArcController(FleetFixture.ARC_VERSION);
        fleet.cycleUntil("ARC to deregister the set", report -> restarted.deregistered.contains(SET_1));
        fleet.cycleUntil("the set back and nothing terminating", report -> registered(SET_1)
                && fleet.managedObjects().stream().noneMatch(object -> object.endsWith("(terminating)")));
    }

    @Test
    void aCompanionDeletedWhileItsSetLivesKeepsArcsFinalizer() {
        fleet.startArcController(FleetFixture.ARC_VERSION);
        convergeRegistered(TWO_SETS, SET_1, SET_2);
        String role = SET_1 + "-gha-rs-manager";
        fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(role).delete();
        fleet.cycleUntil("arcfleet to see the Role deleted", report -> fleet.cache().get(ManagedKind.ROLE, fleet.namespace, role)
                .map(live -> live.getMetadata().getDeletionTimestamp() != null).orElse(true));

        CycleReport report = fleet.reconciler().reconcileOnce();

        SetStatus status = report.sets().get(0);
        assertEquals(Reason.COMPANION_HELD_BY_ARC, status.reason(), status.detail());
        Role held = fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(role).get();
        assertEquals(List.of(ArcControllerStandIn.CLEANUP_FINALIZER), held.getMetadata().getFinalizers());
        assertEquals(Reason.IN_SYNC, report.sets().get(1).reason());

        // Whoever removes the finalizer takes ARC's cleanup into their own hands; arcfleet then recreates it.
        fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(role)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        fleet.cycleUntil("the Role recreated", cycle -> {
            Role current = fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(role).get();
            return current != null && current.getMetadata().getDeletionTimestamp() == null;
        });
        assertTrue(fleet.converge().last().succeeded());
    }

    @Test
    void containerModeChangesLeaveNothingTerminatingAndRemovalAndReturnWork() {
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        for (String mode : List.of("kubernetes", "dind", "kubernetes-novolume", "kubernetes")) {
            fleet.writeRepositories("repositories:\n  - name: acme/tools\n    containerMode: " + mode + "\n");
            fleet.cycleUntil("the set in " + mode + " mode with nothing terminating",
                    cycle -> fleet.managedObjects().stream().noneMatch(object -> object.endsWith("(terminating)"))
                            && registered(SET_1));
            CycleReport report = fleet.converge().last();
            assertEquals(Reason.IN_SYNC, report.sets().get(0).reason(), mode + ": " + report);
            boolean kubeMode = mode.startsWith("kubernetes");
            assertEquals(kubeMode, fleet.managedObjects().contains("ServiceAccount/" + SET_1 + "-gha-rs-kube-mode"), mode);
            assertEquals(!kubeMode, fleet.managedObjects().contains("ServiceAccount/" + SET_1 + "-gha-rs-no-permission"), mode);
        }

        fleet.writeRepositories("repositories: []\n");
        fleet.cycleUntil("the removed set gone", report -> fleet.managedObjects().isEmpty());
        assertEquals(List.of(SET_1), arc.deregistered);

        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.cycleUntil("the set back", report -> registered(SET_1));
        assertTrue(fleet.converge().last().succeeded());
    }

    @Test
    void aPinnedVersionThatDiffersFromTheControllerWritesNoSet() {
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        fleet.settings.arcVersion("0.12.1").controllerServiceAccount(ArcFixtures.CONTROLLER_SERVICE_ACCOUNT);
        fleet.writeRepositories(TWO_SETS);

        for (int cycle = 0; cycle < 5; cycle++) {
            CycleReport report = fleet.reconciler().reconcileOnce();
            assertThat(report.blocker().orElseThrow(), containsString("arcfleet.arc.version is 0.12.1 but ARC controller"));
            assertThat(report.arcController().problem(), containsString("runs 0.13.0"));
        }

        assertEquals(0, runnerSetCreations(), "no AutoscalingRunnerSet may be written");
        assertEquals(List.of(), arc.deletedOnVersionMismatch);
    }

    @Test
    void theRunningImageDecidesTheVersionWhenTheLabelLags() {
        ArcControllerStandIn arc = fleet.startArcController("0.14.0");
        // An image.tag override: the chart's label says 0.13.0, the controller runs 0.14.0.
        Deployment overridden = ArcFixtures.controllerDeployment(fleet.controllerNamespace(), "0.13.0");
        overridden.getSpec().getTemplate().getSpec().getContainers().get(0)
                .setImage("ghcr.io/actions/gha-runner-scale-set-controller:0.14.0");
        fleet.client.resource(overridden).update();
        ArcFixtures.completeControllerRollout(fleet.client, fleet.controllerNamespace());
        Poll.until(FleetFixture.TIMEOUT, "the overridden controller in the cache", () -> fleet.cache().controllerDeployments()
                .stream().anyMatch(d -> String.valueOf((Object) d.get("spec", "template", "spec", "containers", 0, "image")).endsWith("0.14.0")
                        && d.get("status", "observedGeneration") instanceof Number observed
                        && observed.longValue() >= d.getMetadata().getGeneration()));

        convergeRegistered(TWO_SETS, SET_1, SET_2);

        assertEquals("0.14.0", fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_1).get().getMetadata().getLabels()
                .get("app.kubernetes.io/version"));
        assertEquals(List.of(), arc.deletedOnVersionMismatch);
        assertEquals(2, runnerSetCreations());
    }

    @Test
    void aControllerUpgradeDeletesEachSetOnceAndArcfleetWaitsForTheRollout() {
        ArcControllerStandIn old = fleet.startArcController(FleetFixture.ARC_VERSION);
        convergeRegistered(TWO_SETS, SET_1, SET_2);

        Deployment upgrading = ArcFixtures.startControllerUpgrade(fleet.client, fleet.controllerNamespace(), "0.14.0");
        ArcControllerStandIn upgraded = fleet.startArcController("0.14.0");
        awaitControllerInCache(upgrading);
        CycleReport during = fleet.cycleUntil("the new controller to delete both old sets",
                report -> upgraded.deletedOnVersionMismatch.containsAll(List.of(SET_1, SET_2))
                        && fleet.runnerSets().inNamespace(fleet.namespace).list().getItems().isEmpty());
        assertThat(during.blocker().orElseThrow(), containsString("is rolling out"));
        for (int cycle = 0; cycle < 3; cycle++) {
            assertThat(fleet.reconciler().reconcileOnce().blocker().orElseThrow(), containsString("is rolling out"));
        }
        assertTrue(fleet.runnerSets().inNamespace(fleet.namespace).list().getItems().isEmpty(),
                "nothing is recreated while the old controller still runs");

        old.close();
        awaitControllerInCache(ArcFixtures.completeControllerRollout(fleet.client, fleet.controllerNamespace()));
        fleet.cycleUntil("both sets back under the new controller", report -> registered(SET_1) && registered(SET_2));

        assertEquals(List.of(), old.deletedOnVersionMismatch, "the old controller must never see a relabelled set");
        assertEquals(List.of(SET_1, SET_2), upgraded.deletedOnVersionMismatch.stream().sorted().toList(),
                "each set is deleted exactly once, by the new controller");
        assertEquals("0.14.0", fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_2).get().getMetadata().getLabels()
                .get("app.kubernetes.io/version"));
        assertTrue(fleet.converge().last().succeeded());
    }

    @Test
    void aSetSomeoneElseKeepsDeletingIsHaltedUntilTheConfigurationChanges() {
        fleet.startArcController(FleetFixture.ARC_VERSION);
        // A second, misconfigured ARC controller of another version watching the same namespace.
        ArcControllerStandIn rogue = fleet.startArcController("0.12.0");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport halted = fleet.cycleUntil("arcfleet to stop recreating the set",
                report -> report.sets().get(0).reason() == Reason.DELETE_LOOP);
        assertEquals(Reason.DELETE_LOOP, fleet.reconciler().reconcileOnce().sets().get(0).reason(), String.valueOf(halted));
        long creations = runnerSetCreations();
        assertEquals(3, creations, "recreated until the third deletion, then no more");
        for (int cycle = 0; cycle < 5; cycle++) {
            CycleReport report = fleet.reconciler().reconcileOnce();
            assertEquals(SetStatus.State.HALTED, report.sets().get(0).state());
        }
        assertEquals(creations, runnerSetCreations());
        assertEquals(3, rogue.deletedOnVersionMismatch.size());
        Poll.until(FleetFixture.TIMEOUT, "a DeleteLoop warning on the ConfigMap", () -> fleet.client.v1().events()
                .inNamespace(fleet.namespace).list().getItems().stream()
                .anyMatch(event -> "DeleteLoop".equals(event.getReason()) && "Warning".equals(event.getType())
                        && "arcfleet-repositories".equals(event.getInvolvedObject().getName())));

        rogue.close();
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    maxRunners: 2\n");
        fleet.cycleUntil("the set back after the configuration changed", report -> registered(SET_1));
        assertTrue(fleet.converge().last().succeeded());
    }

    @Test
    void aRotatedTokenRecreatesTheListenerThroughTheValuesHash() {
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        convergeRegistered("repositories:\n  - name: acme/tools\n", SET_1);
        String hashBefore = valuesHash(SET_1);
        assertEquals(List.of(SET_1), arc.listenersCreated);

        Secret rotated = fleet.client.resource(ArcFixtures.tokenSecret(fleet.namespace, "arcfleet-github", "ghp_rotated_token"))
                .update();
        fleet.awaitCached(rotated);
        fleet.converge();

        String hashAfter = valuesHash(SET_1);
        assertNotEquals(hashBefore, hashAfter);
        fleet.cycleUntil("ARC to recreate the listener", report -> arc.listenersCreated.size() == 2);
        GenericKubernetesResource set = fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_1).get();
        assertTrue(set.getMetadata().getAnnotations().values().stream().noneMatch(value -> value.contains("rotated")));
    }

    @Test
    void waitingForAWriteAcceptsALaterVersionThanTheOneWritten() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        GenericKubernetesResource written = fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_1).get();
        // What ARC does to a new set at once: a patch that moves its resourceVersion past the one arcfleet wrote.
        fleet.awaitCached(fleet.runnerSets().inNamespace(fleet.namespace).withName(SET_1)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"runner-scale-set-id\":\"7\"}}}"));
        Writes writes = new Writes();
        writes.applied().add(Writes.Written.of(written));

        long started = System.nanoTime();
        writes.awaitCaughtUp(fleet.cache());

        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(waited.compareTo(Duration.ofSeconds(1)) < 0, "waited " + waited + " for a version ARC had moved past");
    }

    private void convergeRegistered(String yaml, String... sets) {
        fleet.writeRepositories(yaml);
        fleet.cycleUntil("ARC to register " + List.of(sets), report -> List.of(sets).stream().allMatch(this::registered));
        assertTrue(fleet.converge().last().succeeded());
    }

    /** Runs cycles until the informer shows the Secret being deleted, and one more that saw it. */
    private void awaitCycleAfterDeletionOf(String secretName) {
        fleet.cycleUntil("arcfleet to see " + secretName + " deleted", report -> fleet.cache()
                .get(ManagedKind.SECRET, fleet.namespace, secretName)
                .map(secret -> secret.getMetadata().getDeletionTimestamp() != null).orElse(true));
        fleet.reconciler().reconcileOnce();
    }

    private boolean registered(String setName) {
        return fleet.registeredByArc(setName);
    }

    private String valuesHash(String setName) {
        Map<String, String> annotations = fleet.runnerSets().inNamespace(fleet.namespace).withName(setName).get()
                .getMetadata().getAnnotations();
        return annotations.get("actions.github.com/values-hash");
    }

    private void awaitControllerInCache(Deployment written) {
        Poll.until(FleetFixture.TIMEOUT, "the controller Deployment in the cache", () -> fleet.cache().controllerDeployments()
                .stream().anyMatch(d -> Long.parseLong(d.getMetadata().getResourceVersion())
                        >= Long.parseLong(written.getMetadata().getResourceVersion())));
    }

    /** AutoscalingRunnerSets arcfleet created, from the audit log: server-side apply answered 201. */
    private long runnerSetCreations() {
        return TestApiServer.auditedRequests(fleet.namespace).stream()
                .filter(line -> line.contains("\"resource\":\"autoscalingrunnersets\""))
                .filter(line -> !line.contains(ArcControllerStandIn.USER_AGENT_PREFIX))
                .filter(line -> line.contains("\"verb\":\"patch\"") && line.contains("\"code\":201"))
                .count();
    }
}
