package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/** Chart values that change which objects a set has, or whether the running ARC controller can take them. */
class ChartValuesReconcileTest {

    private static final String TOOLS = "arc-runner-acme-tools-1";
    private static final String WEB = "arc-runner-acme-web-1";

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("chart-values");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void aValueTheControllersCrdLacksFailsItsRepositoryAndChangesNothingOfIt() {
        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                  - name: acme/web
                """);
        fleet.converge();
        GenericKubernetesResource before = fleet.runnerSets().inNamespace(fleet.namespace).withName(TOOLS).get();

        // The fixture's controller is 0.13.0; spec.runnerScaleSetLabels came with 0.14.
        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                    maxRunners: 3
                    runnerScaleSetLabels: [gpu]
                  - name: acme/web
                    maxRunners: 2
                """);
        CycleReport report = fleet.converge().last();

        SetStatus tools = status(report, TOOLS);
        assertEquals(SetStatus.Reason.NEEDS_NEWER_ARC_CONTROLLER, tools.reason());
        assertEquals(SetStatus.State.FAILED, tools.state());
        assertThat(tools.detail(), containsString("runnerScaleSetLabels"));
        assertThat(tools.detail(), containsString("needs ARC 0.14 or later"));
        assertThat(tools.detail(), containsString("runs " + FleetFixture.ARC_VERSION));
        assertEquals(before.getMetadata().getResourceVersion(),
                fleet.runnerSets().inNamespace(fleet.namespace).withName(TOOLS).get().getMetadata().getResourceVersion(),
                "the refused repository's set is left as it was, not pruned");
        assertEquals(SetStatus.State.READY, status(report, WEB).state(), "other repositories go on");
        assertEquals(2, FirstSyncTest.spec(fleet.runnerSets().inNamespace(fleet.namespace).withName(WEB).get())
                .get("maxRunners"));

        // Upgrading ARC is all it takes: the same ConfigMap now applies.
        ArcFixtures.startControllerUpgrade(fleet.client, fleet.controllerNamespace(), "0.14.0");
        ArcFixtures.completeControllerRollout(fleet.client, fleet.controllerNamespace());
        CycleReport upgraded = fleet.cycleUntil("the repository to be applied on ARC 0.14",
                cycle -> cycle.succeeded() && cycle.writes() == 0);

        assertEquals(SetStatus.State.READY, status(upgraded, TOOLS).state());
        Map<String, Object> spec = FirstSyncTest.spec(fleet.runnerSets().inNamespace(fleet.namespace).withName(TOOLS).get());
        assertEquals(List.of("gpu"), spec.get("runnerScaleSetLabels"));
        assertEquals(3, spec.get("maxRunners"));
    }

    @Test
    void aServiceAccountOfTheUsersReplacesTheKubeModeOnesWhichArePruned() {
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n");
        fleet.converge();
        String kubeMode = TOOLS + "-gha-rs-kube-mode";
        assertNotNull(fleet.client.serviceAccounts().inNamespace(fleet.namespace).withName(kubeMode).get());

        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                    template: {spec: {serviceAccountName: ci-runner}}
                """);
        CycleReport report = fleet.converge().last();

        assertTrue(report.succeeded(), report::toString);
        assertNull(fleet.client.serviceAccounts().inNamespace(fleet.namespace).withName(kubeMode).get());
        assertNull(fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(kubeMode).get());
        assertNull(fleet.client.rbac().roleBindings().inNamespace(fleet.namespace).withName(kubeMode).get());
        GenericKubernetesResource set = fleet.runnerSets().inNamespace(fleet.namespace).withName(TOOLS).get();
        assertFalse(set.getMetadata().getAnnotations().keySet().stream()
                .anyMatch(key -> key.startsWith("actions.github.com/cleanup-kubernetes-mode")), set.getMetadata().toString());
        assertThat(FirstSyncTest.spec(set).get("template").toString(), containsString("serviceAccountName=ci-runner"));
        assertEquals(List.of(), report.sets().stream().filter(status -> status.state() != SetStatus.State.READY).toList());
    }

    private static SetStatus status(CycleReport report, String name) {
        return report.sets().stream().filter(set -> set.name().equals(name)).findFirst().orElseThrow();
    }
}
