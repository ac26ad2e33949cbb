package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;

class FirstSyncTest {

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("first-sync");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void createsEverySetOfSeveralRepositoriesWithTheChartsObjects() {
        fleet.writeRepositories("""
                repositories:
                  - name: rkoster/rubionic-workspace
                    instances: 3
                  - name: acme/Tools.Repo
                    containerMode: dind
                    runnerGroup: builders
                    maxRunners: 2
                """);

        FleetFixture.Converged converged = fleet.converge();

        assertTrue(converged.last().succeeded(), () -> "cycle failed: " + converged.last());
        assertEquals(4, converged.last().count(SetStatus.State.READY));
        List<String> names = fleet.runnerSets().inNamespace(fleet.namespace).list().getItems().stream()
                .map(set -> set.getMetadata().getName()).sorted().toList();
        assertEquals(List.of("arc-runner-acme-tools-repo-1", "arc-runner-rkoster-rubionic-workspace-1",
                "arc-runner-rkoster-rubionic-workspace-2", "arc-runner-rkoster-rubionic-workspace-3"), names);

        GenericKubernetesResource set = fleet.runnerSets().inNamespace(fleet.namespace)
                .withName("arc-runner-rkoster-rubionic-workspace-2").get();
        Map<String, Object> spec = spec(set);
        assertEquals("https://github.com/rkoster/rubionic-workspace", spec.get("githubConfigUrl"));
        assertEquals("arc-runner-rkoster-rubionic-workspace-2-gha-rs-github-secret", spec.get("githubConfigSecret"));
        assertEquals("arc-runner-rkoster-rubionic-workspace-2", spec.get("runnerScaleSetName"));
        assertEquals(1, spec.get("maxRunners"));
        assertEquals(0, spec.get("minRunners"));
        assertEquals(FleetFixture.ARC_VERSION, set.getMetadata().getLabels().get("app.kubernetes.io/version"));
        assertEquals("arcfleet", set.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        assertEquals("arc-runner-rkoster-rubionic-workspace-2-gha-rs-kube-mode",
                set.getMetadata().getAnnotations().get("actions.github.com/cleanup-kubernetes-mode-service-account-name"));

        String kubeMode = "arc-runner-rkoster-rubionic-workspace-2-gha-rs-kube-mode";
        assertNotNull(fleet.client.serviceAccounts().inNamespace(fleet.namespace).withName(kubeMode).get());
        Role kubeModeRole = fleet.client.rbac().roles().inNamespace(fleet.namespace).withName(kubeMode).get();
        assertEquals(List.of("actions.github.com/cleanup-protection"), kubeModeRole.getMetadata().getFinalizers());
        assertTrue(kubeModeRole.getRules().stream().anyMatch(rule -> rule.getResources().contains("jobs")));
        RoleBinding manager = fleet.client.rbac().roleBindings().inNamespace(fleet.namespace)
                .withName("arc-runner-rkoster-rubionic-workspace-2-gha-rs-manager").get();
        assertEquals(ArcFixtures.CONTROLLER_SERVICE_ACCOUNT, manager.getSubjects().get(0).getName());
        assertEquals(fleet.controllerNamespace(), manager.getSubjects().get(0).getNamespace());
        Secret secret = fleet.client.secrets().inNamespace(fleet.namespace)
                .withName("arc-runner-rkoster-rubionic-workspace-2-gha-rs-github-secret").get();
        assertEquals(List.of("github_token"), List.copyOf(secret.getData().keySet()));

        GenericKubernetesResource dind = fleet.runnerSets().inNamespace(fleet.namespace)
                .withName("arc-runner-acme-tools-repo-1").get();
        assertEquals("https://github.com/acme/Tools.Repo", spec(dind).get("githubConfigUrl"));
        assertEquals("builders", spec(dind).get("runnerGroup"));
        assertNotNull(fleet.client.serviceAccounts().inNamespace(fleet.namespace)
                .withName("arc-runner-acme-tools-repo-1-gha-rs-no-permission").get());

        Map<String, Long> objectsPerKind = fleet.client.secrets().inNamespace(fleet.namespace)
                .withLabel("app.kubernetes.io/managed-by", "arcfleet").list().getItems().stream()
                .collect(Collectors.groupingBy(s -> s.getKind(), Collectors.counting()));
        assertEquals(Map.of("Secret", 4L), objectsPerKind);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(GenericKubernetesResource resource) {
        return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
    }
}
