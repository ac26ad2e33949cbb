package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.arc.ArcKeys;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** A repository's {@code namespace}: every object of its sets goes there, and only what names the set's namespace follows. */
class NamespacedRenderTest {

    private static final ClusterFacts FACTS = new ClusterFacts("arc-runners", "https://github.com",
            new ArcController("0.13.1", "arc-gha-rs-controller", "arc-systems"), 30, "/tmp/github-runner-cache",
            "arc-runners.arcfleet-repositories");
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_supersecret123");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private static DesiredRunnerSet render(String fields) {
        return RunnerSetRenderer.render(OneSet.of(fields), FACTS, TOKEN);
    }

    @Test
    void everyObjectOfTheSetGoesIntoTheRepositorysNamespace() {
        for (String mode : List.of("kubernetes", "dind")) {
            DesiredRunnerSet desired = render("namespace: team-widgets\ncontainerMode: " + mode
                    + "\ncacheVolume: {type: persistentVolumeClaim, storage: 1Gi}\n");
            for (HasMetadata object : desired.allObjects()) {
                assertEquals("team-widgets", object.getMetadata().getNamespace(), mode + ": " + object.getKind() + " "
                        + object.getMetadata().getName());
                assertEquals("team-widgets", object.getMetadata().getLabels().get(ArcKeys.SCALE_SET_NAMESPACE),
                        object.getKind() + " " + object.getMetadata().getName());
            }
        }
    }

    @Test
    void theKubeModeBindingNamesTheSetsAccountThereAndTheManagerBindingStillNamesArcsController() {
        DesiredRunnerSet desired = render("namespace: team-widgets\ncontainerMode: kubernetes\n");
        RoleBinding kubeMode = binding(desired, RunnerSetRenderer.kubeModeName("arc-runner-acme-widgets-1"));
        assertEquals("team-widgets", kubeMode.getSubjects().get(0).getNamespace());
        RoleBinding manager = binding(desired, RunnerSetRenderer.managerName("arc-runner-acme-widgets-1"));
        assertEquals("arc-systems", manager.getSubjects().get(0).getNamespace());
    }

    /** Existing fleets render byte-identically: naming the daemon's own namespace is the same as naming none. */
    @Test
    void theDaemonsOwnNamespaceRendersAsNoNamespace() {
        assertEquals(SERIALIZATION.asYaml(render("containerMode: kubernetes\n").allObjects()),
                SERIALIZATION.asYaml(render("namespace: arc-runners\ncontainerMode: kubernetes\n").allObjects()));
    }

    private static RoleBinding binding(DesiredRunnerSet desired, String name) {
        return desired.companions().stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filter(binding -> binding.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }
}
