package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.status.CycleReport;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;

class ArcControllerDetectionTest {

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("arc-version");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void versionAndServiceAccountComeFromTheControllerDeployment() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        assertEquals("0.13.0", versionLabel());

        ArcFixtures.startControllerUpgrade(fleet.client, fleet.controllerNamespace(), "0.14.1");
        Deployment upgraded = ArcFixtures.completeControllerRollout(fleet.client, fleet.controllerNamespace());
        Poll.until(FleetFixture.TIMEOUT, "the upgraded controller in the cache", () -> fleet.cache().controllerDeployments().stream()
                .anyMatch(d -> d.getMetadata().getResourceVersion().equals(upgraded.getMetadata().getResourceVersion())));
        CycleReport report = fleet.converge().last();

        assertEquals("0.14.1", report.arcController().value().orElseThrow().version());
        assertEquals("0.14.1", versionLabel());
        RoleBinding manager = fleet.client.rbac().roleBindings().inNamespace(fleet.namespace)
                .withName("arc-runner-acme-tools-1-gha-rs-manager").get();
        assertEquals(ArcFixtures.CONTROLLER_SERVICE_ACCOUNT, manager.getSubjects().get(0).getName());
        assertEquals("0.14.1", manager.getMetadata().getLabels().get("app.kubernetes.io/version"));
    }

    @Test
    void pinnedVersionIsUsedWhenItMatchesTheControllersMinorVersion() {
        fleet.settings.arcVersion("0.13.2");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.converge().last();

        assertTrue(report.succeeded());
        assertEquals("0.13.2", versionLabel());
    }

    @Test
    void pinnedVersionOfAnotherMinorThanTheControllerBlocks() {
        fleet.settings.arcVersion("0.12.1");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.blocker().orElseThrow(), containsString("arcfleet.arc.version is 0.12.1 but ARC controller"));
        assertEquals(0, report.writes());
    }

    @Test
    void aRolloutInProgressBlocksUntilItCompletes() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        Deployment rolling = ArcFixtures.startControllerUpgrade(fleet.client, fleet.controllerNamespace(), "0.14.1");
        Poll.until(FleetFixture.TIMEOUT, "the rollout in the cache", () -> fleet.cache().controllerDeployments().stream()
                .anyMatch(d -> d.getMetadata().getResourceVersion().equals(rolling.getMetadata().getResourceVersion())));

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.blocker().orElseThrow(), containsString("is rolling out (1/1 pods updated, 2 available, 2 in total)"));
        assertEquals(0, report.writes());
        assertEquals("0.13.0", versionLabel());
    }

    @Test
    void withoutAControllerNoSetIsCreatedAndTheReasonIsGiven() {
        fleet.client.apps().deployments().inNamespace(fleet.controllerNamespace()).withName("arc-gha-rs-controller").delete();
        Poll.until(FleetFixture.TIMEOUT, "the controller to leave the cache", () -> fleet.cache().controllerDeployments().isEmpty());
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.blocker().orElseThrow(), containsString("no ARC controller found"));
        assertThat(report.arcController().problem(), containsString(fleet.controllerNamespace()));
        assertEquals(0, report.writes());
        assertEquals(List.of(), fleet.runnerSets().inNamespace(fleet.namespace).list().getItems());
        assertEquals(List.of(), fleet.client.secrets().inNamespace(fleet.namespace)
                .withLabel("app.kubernetes.io/managed-by", "arcfleet").list().getItems());
    }

    @Test
    void aControllerWithoutUsableVersionLabelBlocksAsWell() {
        Deployment unlabelled = ArcFixtures.controllerDeployment(fleet.controllerNamespace(), "v0.13.0");
        fleet.client.resource(unlabelled).update();
        Deployment updated = ArcFixtures.completeControllerRollout(fleet.client, fleet.controllerNamespace());
        Poll.until(FleetFixture.TIMEOUT, "the relabelled controller in the cache", () -> fleet.cache().controllerDeployments().stream()
                .anyMatch(d -> d.getMetadata().getResourceVersion().equals(updated.getMetadata().getResourceVersion())));
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.blocker().orElseThrow(), containsString("has no usable app.kubernetes.io/version label (found 'v0.13.0')"));
        assertEquals(0, report.writes());
    }

    private String versionLabel() {
        GenericKubernetesResource set = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get();
        return set.getMetadata().getLabels().get("app.kubernetes.io/version");
    }
}
