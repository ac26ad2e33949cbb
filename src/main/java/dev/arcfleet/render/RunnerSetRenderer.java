package dev.arcfleet.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.arcfleet.config.CachePath;
import dev.arcfleet.config.ContainerMode;
import dev.arcfleet.config.RepositoryConfig;
import dev.arcfleet.config.RunnerPaths;
import dev.arcfleet.config.RunnerSet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Renders one runner set into the objects ARC's {@code gha-runner-scale-set} chart would install for
 * it, with the chart's names, labels, annotations, finalizers and pod template. Pure: the same input
 * always gives byte-identical objects.
 */
public final class RunnerSetRenderer {

    public static final String ARC_API_VERSION = "actions.github.com/v1alpha1";
    public static final String AUTOSCALING_RUNNER_SET_KIND = "AutoscalingRunnerSet";
    /** ARC removes it from each companion once the scale set is deregistered from GitHub. */
    public static final String CLEANUP_FINALIZER = "actions.github.com/cleanup-protection";

    private static final String RBAC_API_GROUP = "rbac.authorization.k8s.io";
    private static final String RUNNER_COMMAND = "/home/runner/run.sh";
    private static final String WORK_MOUNT_PATH = RunnerPaths.WORK_DIRECTORY;
    private static final String DIND_IMAGE = "docker:dind";
    private static final int NATIVE_SIDECAR_MINOR_VERSION = 29;
    private static final String HOOK_TEMPLATE_KEY = "content";
    private static final String HOOK_TEMPLATE_DIRECTORY = RunnerPaths.HOOK_TEMPLATE_DIRECTORY;
    private static final String HOOK_TEMPLATE_VOLUME = "hook-template";
    /** runner-container-hooks (ADR 0134) merges this container's mounts into the job container. */
    private static final String JOB_CONTAINER = "$job";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private RunnerSetRenderer() {
    }

    public static String kubeModeName(String setName) {
        return setName + "-gha-rs-kube-mode";
    }

    public static String managerName(String setName) {
        return setName + "-gha-rs-manager";
    }

    public static String githubSecretName(String setName) {
        return setName + "-gha-rs-github-secret";
    }

    public static String noPermissionName(String setName) {
        return setName + "-gha-rs-no-permission";
    }

    /** The container hooks' pod template, which mounts the caches into job pods too. */
    public static String hookTemplateName(String setName) {
        return setName + "-hook-template";
    }

    /** The node path of a set's cache directory: {@code <node-root>/<set>}. */
    public static String setCacheNodePath(String cacheNodeRoot, String setName) {
        return cacheNodeRoot.replaceAll("/+$", "") + "/" + setName;
    }

    /** The node path of one cache of a set: {@code <node-root>/<set>/<cache name>}. */
    public static String cacheNodePath(ClusterFacts facts, String setName, CachePath cache) {
        return setCacheNodePath(facts.cacheNodeRoot(), setName) + "/" + cache.name();
    }

    public static DesiredRunnerSet render(RunnerSet set, ClusterFacts facts, GithubCredentials credentials) {
        ContainerMode mode = set.repository().containerMode();
        List<HasMetadata> companions = new ArrayList<>();
        if (mode.usesKubeModeServiceAccount()) {
            companions.add(new ServiceAccountBuilder().withMetadata(meta(kubeModeName(set.name()), set, facts, null)).build());
            companions.add(new RoleBuilder().withMetadata(meta(kubeModeName(set.name()), set, facts, null))
                    .withRules(kubeModeRules(mode)).build());
            companions.add(new RoleBindingBuilder().withMetadata(meta(kubeModeName(set.name()), set, facts, null))
                    .withNewRoleRef(RBAC_API_GROUP, "Role", kubeModeName(set.name()))
                    .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(kubeModeName(set.name()))
                            .withNamespace(facts.namespace()).build())
                    .build());
        } else {
            companions.add(new ServiceAccountBuilder().withMetadata(meta(noPermissionName(set.name()), set, facts, null)).build());
        }
        companions.add(new RoleBuilder().withMetadata(meta(managerName(set.name()), set, facts, "manager-role"))
                .withRules(managerRules()).build());
        companions.add(new RoleBindingBuilder().withMetadata(meta(managerName(set.name()), set, facts, "manager-role-binding"))
                .withNewRoleRef(RBAC_API_GROUP, "Role", managerName(set.name()))
                .withSubjects(new SubjectBuilder().withKind("ServiceAccount")
                        .withName(facts.arcController().serviceAccountName())
                        .withNamespace(facts.arcController().serviceAccountNamespace()).build())
                .build());
        companions.add(new SecretBuilder().withMetadata(meta(githubSecretName(set.name()), set, facts, null))
                .withData(credentials.secretData()).build());
        if (mode.usesKubeModeServiceAccount()) {
            // ARC does not know this object, so it must not carry the cleanup finalizer ARC would have to release.
            companions.add(new ConfigMapBuilder()
                    .withMetadata(new ObjectMetaBuilder().withName(hookTemplateName(set.name())).withNamespace(facts.namespace())
                            .withLabels(Labels.common(set, facts)).build())
                    .addToData(HOOK_TEMPLATE_KEY, hookTemplate(set, facts)).build());
        }
        companions.forEach(RunnerSetRenderer::stampDesiredHash);
        return new DesiredRunnerSet(set, companions, autoscalingRunnerSet(set, facts));
    }

    private static GenericKubernetesResource autoscalingRunnerSet(RunnerSet set, ClusterFacts facts) {
        RepositoryConfig repository = set.repository();
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("githubConfigUrl", facts.githubUrl() + "/" + repository.owner() + "/" + repository.repo());
        spec.put("githubConfigSecret", githubSecretName(set.name()));
        repository.runnerGroup().ifPresent(group -> spec.put("runnerGroup", group));
        spec.put("runnerScaleSetName", set.name());
        spec.put("maxRunners", repository.maxRunners());
        spec.put("minRunners", repository.minRunners());
        spec.put("template", Map.of("spec", podSpecTree(set, facts)));

        Map<String, String> labels = Labels.common(set, facts);
        labels.put(Labels.COMPONENT, "autoscaling-runner-set");
        GenericKubernetesResource resource = new GenericKubernetesResource();
        resource.setApiVersion(ARC_API_VERSION);
        resource.setKind(AUTOSCALING_RUNNER_SET_KIND);
        resource.setMetadata(new ObjectMetaBuilder().withName(set.name()).withNamespace(facts.namespace())
                .withLabels(labels).withAnnotations(cleanupAnnotations(set)).build());
        resource.setAdditionalProperties(Map.of("spec", spec));
        String hash = stampDesiredHash(resource);
        // What the chart derives from its values; ARC versions up to 0.11 recreate the listener when it changes.
        resource.getMetadata().getAnnotations().put("actions.github.com/values-hash", hash);
        return resource;
    }

    /** The objects ARC releases from {@link #CLEANUP_FINALIZER} after deregistering the scale set. */
    private static Map<String, String> cleanupAnnotations(RunnerSet set) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("actions.github.com/cleanup-github-secret-name", githubSecretName(set.name()));
        annotations.put("actions.github.com/cleanup-manager-role-binding", managerName(set.name()));
        annotations.put("actions.github.com/cleanup-manager-role-name", managerName(set.name()));
        if (set.repository().containerMode().usesKubeModeServiceAccount()) {
            annotations.put("actions.github.com/cleanup-kubernetes-mode-role-binding-name", kubeModeName(set.name()));
            annotations.put("actions.github.com/cleanup-kubernetes-mode-role-name", kubeModeName(set.name()));
            annotations.put("actions.github.com/cleanup-kubernetes-mode-service-account-name", kubeModeName(set.name()));
        } else {
            annotations.put("actions.github.com/cleanup-no-permission-service-account-name", noPermissionName(set.name()));
        }
        return annotations;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podSpecTree(RunnerSet set, ClusterFacts facts) {
        Map<String, Object> tree = new LinkedHashMap<>(SERIALIZATION.convertValue(podSpec(set, facts), Map.class));
        if (set.repository().containerMode() == ContainerMode.KUBERNETES_NOVOLUME) {
            // ARC 0.13.1 rejects a template without a volumes list in this mode; the model drops empty lists.
            tree.putIfAbsent("volumes", List.of());
        }
        return tree;
    }

    private static PodSpec podSpec(RunnerSet set, ClusterFacts facts) {
        RepositoryConfig repository = set.repository();
        ContainerBuilder runner = new ContainerBuilder().withName("runner").withImage(repository.runnerImage())
                .withCommand(RUNNER_COMMAND);
        PodSpecBuilder pod = new PodSpecBuilder();
        switch (repository.containerMode()) {
            case KUBERNETES -> {
                runner.withEnv(kubernetesModeEnv("/home/runner/k8s/index.js", set))
                        .withVolumeMounts(mount("work", WORK_MOUNT_PATH))
                        .addAllToVolumeMounts(cacheMounts(set))
                        .addToVolumeMounts(hookTemplateMount());
                pod.withContainers(runner.build())
                        .withVolumes(new VolumeBuilder().withName("work").withNewEphemeral().withNewVolumeClaimTemplate()
                                .withNewSpec()
                                .withAccessModes(repository.workVolumeClaimTemplate().accessModes())
                                .withStorageClassName(repository.workVolumeClaimTemplate().storageClassName().orElse(null))
                                .withNewResources()
                                .addToRequests("storage", new Quantity(repository.workVolumeClaimTemplate().storage()))
                                .endResources()
                                .endSpec().endVolumeClaimTemplate().endEphemeral().build())
                        .addAllToVolumes(cacheVolumes(set, facts))
                        .addToVolumes(hookTemplateVolume(set))
                        .withServiceAccountName(kubeModeName(set.name()));
            }
            case KUBERNETES_NOVOLUME -> {
                List<EnvVar> env = new ArrayList<>(kubernetesModeEnv("/home/runner/k8s-novolume/index.js", set));
                env.add(env("ACTIONS_RUNNER_IMAGE", repository.runnerImage()));
                pod.withContainers(runner.withEnv(env).withVolumeMounts(cacheMounts(set))
                                .addToVolumeMounts(hookTemplateMount()).build())
                        .withVolumes(cacheVolumes(set, facts))
                        .addToVolumes(hookTemplateVolume(set))
                        .withServiceAccountName(kubeModeName(set.name()));
            }
            case DIND -> {
                runner.withEnv(env("DOCKER_HOST", "unix:///var/run/docker.sock"), env("RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "120"))
                        .withVolumeMounts(mount("work", WORK_MOUNT_PATH), mount("dind-sock", "/var/run"))
                        .addAllToVolumeMounts(cacheMounts(set));
                Container initExternals = new ContainerBuilder().withName("init-dind-externals")
                        .withImage(repository.runnerImage()).withCommand("cp")
                        .withArgs("-r", "/home/runner/externals/.", "/home/runner/tmpDir/")
                        .withVolumeMounts(mount("dind-externals", "/home/runner/tmpDir")).build();
                boolean nativeSidecar = facts.kubernetesMinorVersion() >= NATIVE_SIDECAR_MINOR_VERSION;
                Container dind = dindContainer(nativeSidecar, cacheMounts(set));
                if (nativeSidecar) {
                    pod.withInitContainers(initExternals, dind).withContainers(runner.build());
                } else {
                    pod.withInitContainers(initExternals).withContainers(runner.build(), dind);
                }
                pod.withVolumes(emptyDir("dind-sock"), emptyDir("dind-externals"), emptyDir("work"))
                        .addAllToVolumes(cacheVolumes(set, facts))
                        .withServiceAccountName(noPermissionName(set.name()));
            }
        }
        return pod.withRestartPolicy("Never").build();
    }

    /** Job containers started through dind resolve bind mounts inside dind, so it sees the caches at the same paths. */
    private static Container dindContainer(boolean nativeSidecar, List<VolumeMount> cacheMounts) {
        ContainerBuilder dind = new ContainerBuilder().withName("dind").withImage(DIND_IMAGE)
                .withArgs("dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)")
                .withEnv(env("DOCKER_GROUP_GID", "123"))
                .withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .withVolumeMounts(mount("work", WORK_MOUNT_PATH), mount("dind-sock", "/var/run"),
                        mount("dind-externals", "/home/runner/externals"))
                .addAllToVolumeMounts(cacheMounts);
        if (nativeSidecar) {
            dind.withRestartPolicy("Always")
                    .withNewStartupProbe().withNewExec().withCommand("docker", "info").endExec()
                    .withInitialDelaySeconds(0).withFailureThreshold(24).withPeriodSeconds(5).endStartupProbe();
        }
        return dind.build();
    }

    private static List<EnvVar> kubernetesModeEnv(String hooksPath, RunnerSet set) {
        return List.of(
                env("ACTIONS_RUNNER_CONTAINER_HOOKS", hooksPath),
                new EnvVarBuilder().withName("ACTIONS_RUNNER_POD_NAME").withNewValueFrom().withNewFieldRef()
                        .withFieldPath("metadata.name").endFieldRef().endValueFrom().build(),
                env("ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "true"),
                env("ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE", HOOK_TEMPLATE_DIRECTORY + "/" + HOOK_TEMPLATE_KEY));
    }

    private static List<VolumeMount> cacheMounts(RunnerSet set) {
        return set.repository().cachePaths().stream().map(cache -> mount(cacheVolumeName(cache), cache.path())).toList();
    }

    /** Type Directory: a missing directory fails the pod visibly instead of appearing root-owned on the node. */
    private static List<Volume> cacheVolumes(RunnerSet set, ClusterFacts facts) {
        return set.repository().cachePaths().stream()
                .map(cache -> new VolumeBuilder().withName(cacheVolumeName(cache)).withNewHostPath()
                        .withPath(cacheNodePath(facts, set.name(), cache)).withType("Directory").endHostPath().build())
                .toList();
    }

    private static String cacheVolumeName(CachePath cache) {
        return "cache-" + cache.name();
    }

    private static VolumeMount hookTemplateMount() {
        return new VolumeMountBuilder().withName(HOOK_TEMPLATE_VOLUME).withMountPath(HOOK_TEMPLATE_DIRECTORY).withReadOnly(true)
                .build();
    }

    private static Volume hookTemplateVolume(RunnerSet set) {
        return new VolumeBuilder().withName(HOOK_TEMPLATE_VOLUME).withNewConfigMap().withName(hookTemplateName(set.name()))
                .endConfigMap().build();
    }

    private static String hookTemplate(RunnerSet set, ClusterFacts facts) {
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewSpec()
                .addNewContainer().withName(JOB_CONTAINER).withVolumeMounts(cacheMounts(set)).endContainer()
                .withVolumes(cacheVolumes(set, facts))
                .endSpec().build();
        return SERIALIZATION.asYaml(template);
    }

    private static List<PolicyRule> kubeModeRules(ContainerMode mode) {
        List<PolicyRule> rules = new ArrayList<>();
        rules.add(rule("", "pods", "get", "list", "create", "delete", "update", "patch"));
        rules.add(rule("", "pods/exec", "get", "create"));
        rules.add(rule("", "pods/log", "get", "list", "watch"));
        if (mode != ContainerMode.KUBERNETES_NOVOLUME) {
            rules.add(rule("batch", "jobs", "get", "list", "create", "delete"));
        }
        rules.add(rule("", "secrets", "get", "list", "create", "delete"));
        return rules;
    }

    private static List<PolicyRule> managerRules() {
        return List.of(
                rule("", "pods", "create", "delete", "get", "update", "patch"),
                rule("", "pods/status", "get"),
                rule("", "secrets", "create", "delete", "get", "list", "patch", "update"),
                rule("", "serviceaccounts", "create", "delete", "get", "list", "patch", "update"),
                rule(RBAC_API_GROUP, "rolebindings", "create", "delete", "get", "patch", "update"),
                rule(RBAC_API_GROUP, "roles", "create", "delete", "get", "patch", "update"));
    }

    private static PolicyRule rule(String apiGroup, String resource, String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(apiGroup).withResources(resource).withVerbs(verbs).build();
    }

    private static ObjectMeta meta(String name, RunnerSet set, ClusterFacts facts, String component) {
        Map<String, String> labels = Labels.common(set, facts);
        if (component != null) {
            labels.put(Labels.COMPONENT, component);
        }
        return new ObjectMetaBuilder().withName(name).withNamespace(facts.namespace()).withLabels(labels)
                .withFinalizers(CLEANUP_FINALIZER).build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static VolumeMount mount(String volume, String path) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).build();
    }

    private static Volume emptyDir(String name) {
        return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
    }

    /** Hashes the object as rendered so far into {@link Labels#DESIRED_HASH_ANNOTATION} and returns the hash. */
    private static String stampDesiredHash(HasMetadata object) {
        String hash = sha256(SERIALIZATION.asJson(object));
        Map<String, String> annotations = object.getMetadata().getAnnotations() == null
                ? new LinkedHashMap<>()
                : new LinkedHashMap<>(object.getMetadata().getAnnotations());
        annotations.put(Labels.DESIRED_HASH_ANNOTATION, hash);
        object.getMetadata().setAnnotations(annotations);
        return hash;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
