package dev.arcfleet.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.ResourceMetaTarget;
import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Renders one runner set into the objects ARC's {@code gha-runner-scale-set} chart would install for
 * it, with the chart's names, labels, annotations, finalizers and pod template, for the chart values the
 * repository sets (docs/configuration.md, "Chart values"). Pure: the same input always gives byte-identical objects.
 */
public final class RunnerSetRenderer {

    private static final String RBAC_API_GROUP = "rbac.authorization.k8s.io";
    /** runner-container-hooks (ADR 0134) merges this container's mounts into the job container. */
    private static final String JOB_CONTAINER = "$job";

    /** The package's one: each instance builds its own writers and readers for every type it meets. */
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

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

    /** The set's PersistentVolumeClaim, when its caches live in one; each cache is a subPath of it. */
    public static String cacheClaimName(String setName) {
        return setName + "-cache";
    }

    /**
     * The set an object of arcfleet's belongs to: its set label, when its name is one a set's objects may
     * have in any container mode. ARC copies a set's labels onto objects it creates, such as runner
     * Secrets, so the label alone does not make an object arcfleet's.
     */
    public static Optional<String> renderedSetOf(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        String setName = labels == null || !Labels.managedByArcfleet(object) ? null : labels.get(Labels.SET);
        if (setName == null) {
            return Optional.empty();
        }
        Set<String> names = Set.of(setName, kubeModeName(setName), managerName(setName), githubSecretName(setName),
                noPermissionName(setName), hookTemplateName(setName));
        return names.contains(object.getMetadata().getName()) ? Optional.of(setName) : Optional.empty();
    }

    /** The node path of a set's cache directory: {@code <node-root>/<set>}. */
    public static String setCacheNodePath(String cacheNodeRoot, String setName) {
        return cacheNodeRoot.replaceAll("/+$", "") + "/" + setName;
    }

    /** The node path of one cache of a set: {@code <node-root>/<set>/<cache name>}. */
    public static String cacheNodePath(ClusterFacts facts, String setName, CachePath cache) {
        return setCacheNodePath(facts.cacheNodeRoot(), setName) + "/" + cache.name();
    }

    /** The set as configured: what the command line renders and import compares with. */
    public static DesiredRunnerSet render(RunnerSet set, ClusterFacts facts, GithubCredentials credentials) {
        return render(set, facts, credentials, Runners.AS_CONFIGURED);
    }

    public static DesiredRunnerSet render(RunnerSet set, ClusterFacts daemonFacts, GithubCredentials credentials, Runners runners) {
        RepositoryConfig repository = set.repository();
        ClusterFacts facts = daemonFacts.in(repository);
        ChartValues chart = repository.chart();
        ContainerMode mode = repository.containerMode();
        String name = set.name();
        // As in the chart, a ServiceAccount of the user's own replaces the mode's, which is then not created.
        boolean modeServiceAccount = !userServiceAccount(repository);
        List<HasMetadata> companions = new ArrayList<>();
        if (mode.usesKubeModeServiceAccount() && modeServiceAccount) {
            companions.add(new ServiceAccountBuilder()
                    .withMetadata(meta(kubeModeName(name), set, facts, null, ResourceMetaTarget.KUBERNETES_MODE_SERVICE_ACCOUNT))
                    .build());
            List<PolicyRule> rules = new ArrayList<>(kubeModeRules(mode));
            chart.kubernetesModeAdditionalRoleRules().stream().map(SERIALIZATION::clone).forEach(rules::add);
            companions.add(new RoleBuilder()
                    .withMetadata(meta(kubeModeName(name), set, facts, null, ResourceMetaTarget.KUBERNETES_MODE_ROLE))
                    .withRules(rules).build());
            companions.add(new RoleBindingBuilder()
                    .withMetadata(meta(kubeModeName(name), set, facts, null, ResourceMetaTarget.KUBERNETES_MODE_ROLE_BINDING))
                    .withNewRoleRef(RBAC_API_GROUP, "Role", kubeModeName(name))
                    .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(kubeModeName(name))
                            .withNamespace(facts.namespace()).build())
                    .build());
        } else if (modeServiceAccount) {
            companions.add(new ServiceAccountBuilder()
                    .withMetadata(meta(noPermissionName(name), set, facts, null, ResourceMetaTarget.NO_PERMISSION_SERVICE_ACCOUNT))
                    .build());
        }
        companions.add(new RoleBuilder()
                .withMetadata(meta(managerName(name), set, facts, "manager-role", ResourceMetaTarget.MANAGER_ROLE))
                .withRules(managerRules(chart)).build());
        companions.add(new RoleBindingBuilder()
                .withMetadata(meta(managerName(name), set, facts, "manager-role-binding", ResourceMetaTarget.MANAGER_ROLE_BINDING))
                .withNewRoleRef(RBAC_API_GROUP, "Role", managerName(name))
                .withSubjects(new SubjectBuilder().withKind("ServiceAccount")
                        .withName(chart.controllerServiceAccount().name().orElse(facts.arcController().serviceAccountName()))
                        .withNamespace(chart.controllerServiceAccount().namespace()
                                .orElse(facts.arcController().serviceAccountNamespace())).build())
                .build());
        companions.add(new SecretBuilder()
                .withMetadata(meta(githubSecretName(name), set, facts, null, ResourceMetaTarget.GITHUB_CONFIG_SECRET))
                .withData(credentials.secretData()).build());
        if (mode.usesKubeModeServiceAccount()) {
            // ARC does not know this object, so it must not carry the cleanup finalizer ARC would have to release.
            companions.add(new ConfigMapBuilder()
                    .withMetadata(new ObjectMetaBuilder().withName(hookTemplateName(name)).withNamespace(facts.namespace())
                            .withLabels(Labels.of(set, facts, null, ChartValues.ResourceMeta.NONE))
                            .withAnnotations(annotations(chart, ChartValues.ResourceMeta.NONE)).build())
                    .addToData(RunnerPodTemplate.HOOK_TEMPLATE_KEY, hookTemplate(set, facts)).build());
        }
        repository.cacheClaim().ifPresent(claim -> companions.add(cacheClaim(set, facts, claim)));
        companions.forEach(RunnerSetRenderer::stampDesiredHash);
        return new DesiredRunnerSet(set, companions, autoscalingRunnerSet(set, facts, credentials, runners));
    }

    /**
     * Created before the AutoscalingRunnerSet, as a companion, but no ARC cleanup finalizer: ARC does not know
     * it, and it outlives the set for the orphan retention.
     */
    private static PersistentVolumeClaim cacheClaim(RunnerSet set, ClusterFacts facts, RepositoryConfig.CacheVolume.Claim claim) {
        return new PersistentVolumeClaimBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(cacheClaimName(set.name())).withNamespace(facts.namespace())
                        .withLabels(Labels.of(set, facts, null, ChartValues.ResourceMeta.NONE))
                        .withAnnotations(annotations(set.repository().chart(), ChartValues.ResourceMeta.NONE)).build())
                .withNewSpec().withAccessModes(claim.accessModes()).withStorageClassName(claim.storageClassName().orElse(null))
                .withNewResources().addToRequests("storage", new Quantity(claim.storage())).endResources().endSpec()
                .build();
    }

    private static boolean userServiceAccount(RepositoryConfig repository) {
        return repository.chart().template().map(PodTemplateSpec::getSpec).map(PodSpec::getServiceAccountName).isPresent();
    }

    private static GenericKubernetesResource autoscalingRunnerSet(RunnerSet set, ClusterFacts facts,
            GithubCredentials credentials, Runners runners) {
        RepositoryConfig repository = set.repository();
        ChartValues chart = repository.chart();
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("githubConfigUrl", chart.githubConfigUrl()
                .orElse(facts.githubUrl() + "/" + repository.owner() + "/" + repository.repo()));
        spec.put("githubConfigSecret", githubSecretName(set.name()));
        repository.runnerGroup().ifPresent(group -> spec.put("runnerGroup", group));
        spec.put("runnerScaleSetName", set.name());
        if (!chart.runnerScaleSetLabels().isEmpty()) {
            spec.put("runnerScaleSetLabels", chart.runnerScaleSetLabels());
        }
        chart.githubServerTls().ifPresent(tls -> {
            // Ordered, as every mapping of a rendering: Map.of's order changes from JVM to JVM, and with it the hash.
            Map<String, String> reference = new LinkedHashMap<>();
            reference.put("name", tls.configMapName());
            reference.put("key", tls.key());
            spec.put("githubServerTLS", Map.of("certificateFrom", Map.of("configMapKeyRef", reference)));
        });
        chart.proxy().flatMap(RunnerSetRenderer::proxy).ifPresent(proxy -> spec.put("proxy", proxy));
        if (runners == Runners.DRAINED) {
            spec.put("maxRunners", 0);
            spec.put("minRunners", 0);
        } else {
            repository.maxRunners().ifPresent(max -> spec.put("maxRunners", max));
            spec.put("minRunners", repository.minRunners());
        }
        chart.listenerTemplate().ifPresent(template -> spec.put("listenerTemplate", tree(template)));
        chart.listenerMetrics().ifPresent(metrics -> spec.put("listenerMetrics", metrics));
        for (ResourceMetaTarget target : ResourceMetaTarget.values()) {
            ChartValues.ResourceMeta meta = chart.resourceMeta(target);
            if (target.specField().isPresent() && !meta.isEmpty()) {
                Map<String, Object> fields = new LinkedHashMap<>();
                if (!meta.labels().isEmpty()) {
                    fields.put("labels", meta.labels());
                }
                if (!meta.annotations().isEmpty()) {
                    fields.put("annotations", meta.annotations());
                }
                spec.put(target.specField().get(), fields);
            }
        }
        spec.put("template", tree(RunnerPodTemplate.of(set, facts)));

        Map<String, String> annotations = annotations(chart, chart.resourceMeta(ResourceMetaTarget.AUTOSCALING_RUNNER_SET));
        annotations.putAll(cleanupAnnotations(set));
        if (runners == Runners.DRAINED) {
            annotations.put(Labels.DRAINED_ANNOTATION, "cache over maxCacheSize");
        }
        GenericKubernetesResource resource = new GenericKubernetesResource();
        resource.setApiVersion(ArcApi.API_VERSION);
        resource.setKind(ArcApi.AUTOSCALING_RUNNER_SET_KIND);
        resource.setMetadata(new ObjectMetaBuilder().withName(set.name()).withNamespace(facts.namespace())
                .withLabels(Labels.of(set, facts, "autoscaling-runner-set",
                        chart.resourceMeta(ResourceMetaTarget.AUTOSCALING_RUNNER_SET)))
                .withAnnotations(annotations).build());
        resource.setAdditionalProperties(Map.of("spec", spec));
        String hash = stampDesiredHash(resource);
        // The chart hashes all its values, credentials included, and ARC recreates the listener when this
        // annotation changes: that is how a rotated token reaches the listener. Only a hash of the
        // credentials enters it, never their content; 63 characters as the chart truncates it.
        resource.getMetadata().getAnnotations().put(ArcKeys.VALUES_HASH,
                sha256(hash + credentialsHash(credentials)).substring(0, 63));
        return resource;
    }

    /** The chart renders only what is set, and nothing for a proxy without any of it. */
    private static Optional<Map<String, Object>> proxy(ChartValues.Proxy proxy) {
        Map<String, Object> tree = new LinkedHashMap<>();
        proxy.http().ifPresent(server -> tree.put("http", proxyServer(server)));
        proxy.https().ifPresent(server -> tree.put("https", proxyServer(server)));
        if (!proxy.noProxy().isEmpty()) {
            tree.put("noProxy", proxy.noProxy());
        }
        return tree.isEmpty() ? Optional.empty() : Optional.of(tree);
    }

    private static Map<String, Object> proxyServer(ChartValues.ProxyServer server) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("url", server.url());
        server.credentialSecretRef().ifPresent(secret -> tree.put("credentialSecretRef", secret));
        return tree;
    }

    /** The objects ARC releases from {@link ArcKeys#CLEANUP_FINALIZER} after deregistering the scale set. */
    private static Map<String, String> cleanupAnnotations(RunnerSet set) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ArcKeys.CLEANUP_GITHUB_SECRET_NAME, githubSecretName(set.name()));
        annotations.put(ArcKeys.CLEANUP_MANAGER_ROLE_BINDING, managerName(set.name()));
        annotations.put(ArcKeys.CLEANUP_MANAGER_ROLE_NAME, managerName(set.name()));
        if (userServiceAccount(set.repository())) {
            return annotations;
        }
        if (set.repository().containerMode().usesKubeModeServiceAccount()) {
            annotations.put(ArcKeys.CLEANUP_KUBE_MODE_ROLE_BINDING_NAME, kubeModeName(set.name()));
            annotations.put(ArcKeys.CLEANUP_KUBE_MODE_ROLE_NAME, kubeModeName(set.name()));
            annotations.put(ArcKeys.CLEANUP_KUBE_MODE_SERVICE_ACCOUNT_NAME, kubeModeName(set.name()));
        } else {
            annotations.put(ArcKeys.CLEANUP_NO_PERMISSION_SERVICE_ACCOUNT_NAME, noPermissionName(set.name()));
        }
        return annotations;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tree(Object model) {
        return new LinkedHashMap<>(SERIALIZATION.convertValue(model, Map.class));
    }

    private static String hookTemplate(RunnerSet set, ClusterFacts facts) {
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewSpec()
                .addNewContainer().withName(JOB_CONTAINER).withVolumeMounts(RunnerPodTemplate.cacheMounts(set)).endContainer()
                .withVolumes(RunnerPodTemplate.cacheVolumes(set, facts))
                .endSpec().build();
        return SERIALIZATION.asYaml(template);
    }

    private static List<PolicyRule> kubeModeRules(ContainerMode mode) {
        List<PolicyRule> rules = new ArrayList<>();
        // The chart's rules (gha-runner-scale-set 0.13.0 to 0.14.2): job pods run PR code with this account.
        rules.add(rule("", "pods", "get", "list", "create", "delete"));
        rules.add(rule("", "pods/exec", "get", "create"));
        rules.add(rule("", "pods/log", "get", "list", "watch"));
        if (mode != ContainerMode.KUBERNETES_NOVOLUME) {
            rules.add(rule("batch", "jobs", "get", "list", "create", "delete"));
        }
        rules.add(rule("", "secrets", "get", "list", "create", "delete"));
        return rules;
    }

    private static List<PolicyRule> managerRules(ChartValues chart) {
        List<PolicyRule> rules = new ArrayList<>(List.of(
                rule("", "pods", "create", "delete", "get"),
                rule("", "pods/status", "get"),
                rule("", "secrets", "create", "delete", "get", "list", "patch", "update"),
                rule("", "serviceaccounts", "create", "delete", "get", "list", "patch", "update"),
                rule(RBAC_API_GROUP, "rolebindings", "create", "delete", "get", "patch", "update"),
                rule(RBAC_API_GROUP, "roles", "create", "delete", "get", "patch", "update")));
        if (chart.githubServerTls().isPresent()) {
            // ARC reads the CA certificate's ConfigMap for the listener.
            rules.add(rule("", "configmaps", "get"));
        }
        return rules;
    }

    private static PolicyRule rule(String apiGroup, String resource, String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(apiGroup).withResources(resource).withVerbs(verbs).build();
    }

    private static ObjectMeta meta(String name, RunnerSet set, ClusterFacts facts, String component, ResourceMetaTarget target) {
        ChartValues chart = set.repository().chart();
        return new ObjectMetaBuilder().withName(name).withNamespace(facts.namespace())
                .withLabels(Labels.of(set, facts, component, chart.resourceMeta(target)))
                .withAnnotations(annotations(chart, chart.resourceMeta(target)))
                .withFinalizers(ArcKeys.CLEANUP_FINALIZER).build();
    }

    /** The user's annotations for all objects, then the object's own, as the chart applies them. */
    private static Map<String, String> annotations(ChartValues chart, ChartValues.ResourceMeta own) {
        Map<String, String> annotations = new LinkedHashMap<>(chart.annotations());
        annotations.putAll(own.annotations());
        return annotations;
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

    private static String credentialsHash(GithubCredentials credentials) {
        return sha256(new TreeMap<>(credentials.secretData()).toString());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
