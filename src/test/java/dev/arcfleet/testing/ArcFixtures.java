package dev.arcfleet.testing;

import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Objects a user or the ARC controller chart would have put in the cluster. */
public final class ArcFixtures {

    public static final String CONTROLLER_SERVICE_ACCOUNT = "arc-gha-rs-controller";
    public static final String CONTROLLER_NAME = "arc-gha-rs-controller";

    private ArcFixtures() {
    }

    /** A stand-in for the Deployment of ARC's controller chart: its labels are what arcfleet reads. */
    public static Deployment controllerDeployment(String namespace, String version) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(CONTROLLER_NAME).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/part-of", "gha-rs-controller")
                .addToLabels("app.kubernetes.io/name", "gha-rs-controller")
                .addToLabels("app.kubernetes.io/version", version)
                .addToLabels("actions.github.com/controller-service-account-name", CONTROLLER_SERVICE_ACCOUNT)
                .addToLabels("actions.github.com/controller-service-account-namespace", namespace)
                .endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app.kubernetes.io/name", "gha-rs-controller").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app.kubernetes.io/name", "gha-rs-controller").endMetadata()
                .withNewSpec().addNewContainer().withName("manager").withImage("ghcr.io/actions/gha-runner-scale-set-controller:" + version)
                .endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    /** Creates the controller Deployment and reports its rollout complete, as kube-controller-manager would. */
    public static Deployment installController(KubernetesClient client, String namespace, String version) {
        client.resource(controllerDeployment(namespace, version)).create();
        return reportRollout(client, namespace, 1, 1);
    }

    /**
     * Upgrades the controller to {@code version} and reports the rollout under way: the new pod runs
     * beside the old one, which still reconciles.
     */
    public static Deployment startControllerUpgrade(KubernetesClient client, String namespace, String version) {
        client.resource(controllerDeployment(namespace, version)).update();
        return reportRollout(client, namespace, 1, 2);
    }

    /** The old controller pod has exited: every pod runs the current template. */
    public static Deployment completeControllerRollout(KubernetesClient client, String namespace) {
        return reportRollout(client, namespace, 1, 1);
    }

    /** Deployment status as the Deployment controller writes it; the test API server has none. */
    private static Deployment reportRollout(KubernetesClient client, String namespace, int updated, int total) {
        return client.apps().deployments().inNamespace(namespace).withName(CONTROLLER_NAME)
                .editStatus(current -> new DeploymentBuilder(current).withStatus(new DeploymentStatusBuilder()
                        .withObservedGeneration(current.getMetadata().getGeneration())
                        .withReplicas(total).withUpdatedReplicas(updated).withReadyReplicas(total)
                        .withAvailableReplicas(total).build()).build());
    }

    public static Secret tokenSecret(String namespace, String name, String token) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of("github_token", token)).build();
    }

    public static Secret appSecret(String namespace, String name, String appId, String installationId, String privateKey) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of("github_app_id", appId, "github_app_installation_id", installationId,
                        "github_app_private_key", privateKey))
                .build();
    }

    /** A set made by someone else, such as a Helm release being migrated: no arcfleet label. */
    public static GenericKubernetesResource helmMadeRunnerSet(String namespace, String name) {
        GenericKubernetesResource set = new GenericKubernetesResource();
        set.setApiVersion("actions.github.com/v1alpha1");
        set.setKind("AutoscalingRunnerSet");
        set.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "Helm").build());
        set.setAdditionalProperty("spec", Map.of("githubConfigUrl", "https://github.com/acme/tools", "maxRunners", 7));
        return set;
    }

    public static ConfigMap repositories(String namespace, String yaml) {
        return repositories(namespace, "arcfleet-repositories", yaml);
    }

    public static ConfigMap repositories(String namespace, String name, String yaml) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToData("repositories.yaml", yaml).build();
    }
}
