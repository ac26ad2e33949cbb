package dev.arcfleet.migrate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arcfleet.chart.ReleaseOwnerKeys;
import dev.arcfleet.chart.ReservedKeys;
import dev.arcfleet.chart.ResourceMetaTarget;
import dev.arcfleet.chart.RunnerPaths;
import dev.arcfleet.chart.RunnerPodNames;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The values a Helm-made set was installed with, read back from its objects: the chart's rendering undone. The
 * container mode comes from the runner's container hooks or the dind containers; what the mode adds is taken out
 * of the pod template again, and what remains is the user's. Labels every object carries are the chart-wide
 * {@code labels}; the rest are {@code resourceMeta}.
 */
public final class ValuesFromObjects {

    /** ARC's own annotation on a registered set. */
    private static final String SCALE_SET_ID_ANNOTATION = "runner-scale-set-id";
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ValuesFromObjects() {
    }

    /** @param companions the chart's other objects of this set (ServiceAccounts, Roles, RoleBindings, the Secret) */
    public static HelmRelease of(GenericKubernetesResource runnerSet, List<HasMetadata> companions) {
        String set = runnerSet.getMetadata().getName();
        String release = Optional.ofNullable(runnerSet.getMetadata().getAnnotations()).map(a -> a.get(ReleaseOwnerKeys.HELM_RELEASE_NAME))
                .orElse(set);
        JsonNode spec = tree(runnerSet).path("spec");
        ObjectNode values = JSON.createObjectNode();
        values.set("githubConfigUrl", spec.path("githubConfigUrl"));
        String secret = spec.path("githubConfigSecret").asText("");
        if (secret.equals(RunnerSetRenderer.githubSecretName(set))) {
            // The chart made it from credentials in the values, which are not read back.
            values.putObject("githubConfigSecret");
        } else {
            values.put("githubConfigSecret", secret);
        }
        for (String key : List.of("runnerGroup", "runnerScaleSetName", "minRunners", "maxRunners", "proxy",
                "listenerTemplate", "listenerMetrics")) {
            if (spec.has(key)) {
                values.set(key, spec.get(key));
            }
        }
        if (spec.has("runnerScaleSetLabels")) {
            values.set("scaleSetLabels", spec.get("runnerScaleSetLabels"));
        }
        if (spec.has("vaultConfig")) {
            values.putObject("keyVault").set("type", spec.path("vaultConfig").path("type"));
        }
        ObjectNode resourceMeta = JSON.createObjectNode();
        for (ResourceMetaTarget target : ResourceMetaTarget.values()) {
            target.specField().filter(spec::has).ifPresent(field -> resourceMeta.set(target.yamlName(), spec.get(field)));
        }

        ObjectNode template = spec.path("template").deepCopy();
        ObjectNode podSpec = template.has("spec") ? (ObjectNode) template.get("spec") : template.putObject("spec");
        Mode mode = Mode.of(podSpec);
        if (!mode.type.isEmpty()) {
            values.putObject("containerMode").put("type", mode.type);
        }
        if (spec.path("githubServerTLS").has("certificateFrom")) {
            object(values, "githubServerTLS").set("certificateFrom", spec.path("githubServerTLS").get("certificateFrom"));
        }
        undoTls(podSpec, values);
        undoMode(set, mode, podSpec, values);
        values.set("template", template);
        labelsAndAnnotations(runnerSet, companions, values, resourceMeta);
        kubeModeRules(set, mode, companions, values);
        if (!resourceMeta.isEmpty()) {
            values.set("resourceMeta", resourceMeta);
        }
        return new HelmRelease(release, values);
    }

    /** What the chart renders for each container mode, recognised by what only that mode renders. */
    private record Mode(String type, List<JsonNode> runnerEnv, List<String> runnerMounts, List<String> volumes) {
        static Mode of(ObjectNode podSpec) {
            String hooks = runner(podSpec).map(runner -> env(runner, RunnerPodNames.HOOKS_ENV)).orElse("");
            if (hooks.equals(RunnerPaths.KUBERNETES_HOOKS)) {
                return new Mode("kubernetes", kubernetesEnv(hooks), List.of(RunnerPodNames.WORK_VOLUME), List.of());
            }
            if (hooks.equals(RunnerPaths.KUBERNETES_NOVOLUME_HOOKS)) {
                List<JsonNode> env = new ArrayList<>(kubernetesEnv(hooks));
                env.add(nameValue(RunnerPodNames.RUNNER_IMAGE_ENV, runner(podSpec).map(r -> r.path("image").asText()).orElse("")));
                return new Mode("kubernetes-novolume", env, List.of(), List.of());
            }
            if (named(podSpec.path("initContainers"), RunnerPodNames.DIND_EXTERNALS_CONTAINER).isPresent()) {
                return new Mode("dind", List.of(nameValue("DOCKER_HOST", "unix:///var/run/docker.sock"),
                        nameValue("RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "120")),
                        List.of(RunnerPodNames.WORK_VOLUME, RunnerPodNames.DIND_SOCKET_VOLUME),
                        List.of(RunnerPodNames.DIND_SOCKET_VOLUME, RunnerPodNames.DIND_EXTERNALS_VOLUME));
            }
            return new Mode("", List.of(), List.of(), List.of());
        }

        private static List<JsonNode> kubernetesEnv(String hooks) {
            ObjectNode podName = JSON.createObjectNode().put("name", RunnerPodNames.POD_NAME_ENV);
            podName.putObject("valueFrom").putObject("fieldRef").put("fieldPath", "metadata.name");
            return List.of(nameValue(RunnerPodNames.HOOKS_ENV, hooks), podName,
                    nameValue(RunnerPodNames.REQUIRE_JOB_CONTAINER_ENV, "true"));
        }
    }

    private static void undoMode(String set, Mode mode, ObjectNode podSpec, ObjectNode values) {
        if ("Never".equals(podSpec.path("restartPolicy").asText())) {
            podSpec.remove("restartPolicy");
        }
        String modeAccount = mode.type.startsWith("kubernetes") ? RunnerSetRenderer.kubeModeName(set)
                : RunnerSetRenderer.noPermissionName(set);
        if (modeAccount.equals(podSpec.path("serviceAccountName").asText())) {
            podSpec.remove("serviceAccountName");
        }
        runner(podSpec).ifPresent(runner -> {
            remove(runner, "env", mode.runnerEnv::contains);
            remove(runner, "volumeMounts", mount -> mode.runnerMounts.contains(mount.path("name").asText())
                    && defaultMountPath(mount.path("name").asText()).equals(mount.path("mountPath").asText()));
        });
        remove(podSpec, "volumes", volume -> mode.volumes.contains(volume.path("name").asText()));
        if (mode.type.equals("dind")) {
            remove(podSpec, "initContainers", container -> Set.of(RunnerPodNames.DIND_EXTERNALS_CONTAINER,
                    RunnerPodNames.DIND_CONTAINER).contains(container.path("name").asText()));
            remove(podSpec, "containers", container -> RunnerPodNames.DIND_CONTAINER.equals(container.path("name").asText()));
            remove(podSpec, "volumes", volume -> RunnerPodNames.WORK_VOLUME.equals(volume.path("name").asText())
                    && volume.has("emptyDir") && volume.path("emptyDir").isEmpty());
        }
        if (mode.type.equals("kubernetes")) {
            named(podSpec.path("volumes"), RunnerPodNames.WORK_VOLUME)
                    .map(work -> work.path("ephemeral").path("volumeClaimTemplate"))
                    .filter(claim -> claim.size() == 1 && claim.has("spec"))
                    .ifPresent(claim -> {
                        ((ObjectNode) values.get("containerMode")).set("kubernetesModeWorkVolumeClaim", claim.get("spec"));
                        remove(podSpec, "volumes", volume -> RunnerPodNames.WORK_VOLUME.equals(volume.path("name").asText()));
                    });
        }
    }

    /** With runnerMountPath the chart mounts the certificate into the runner and points two variables at it. */
    private static void undoTls(ObjectNode podSpec, ObjectNode values) {
        Optional<JsonNode> mount = runner(podSpec).flatMap(runner -> named(runner.path("volumeMounts"), RunnerPodNames.TLS_VOLUME));
        if (mount.isEmpty() || !values.has("githubServerTLS")) {
            return;
        }
        String mountPath = mount.get().path("mountPath").asText();
        Path directory = Path.of(mountPath).getParent();
        object(values, "githubServerTLS").put("runnerMountPath", directory == null ? "/" : directory.toString());
        remove(podSpec, "volumes", volume -> RunnerPodNames.TLS_VOLUME.equals(volume.path("name").asText()));
        runner(podSpec).ifPresent(runner -> {
            remove(runner, "volumeMounts", item -> RunnerPodNames.TLS_VOLUME.equals(item.path("name").asText()));
            remove(runner, "env", variable -> variable.equals(nameValue("NODE_EXTRA_CA_CERTS", mountPath))
                    || variable.equals(nameValue("RUNNER_UPDATE_CA_CERTS", "1")));
        });
    }

    private static void labelsAndAnnotations(GenericKubernetesResource runnerSet, List<HasMetadata> companions,
            ObjectNode values, ObjectNode resourceMeta) {
        List<HasMetadata> objects = new ArrayList<>(companions);
        objects.add(runnerSet);
        Map<String, String> commonLabels = null;
        Map<String, String> commonAnnotations = null;
        for (HasMetadata object : objects) {
            Map<String, String> labels = userLabels(object);
            Map<String, String> annotations = userAnnotations(object);
            if (commonLabels == null) {
                commonLabels = labels;
                commonAnnotations = annotations;
            } else {
                commonLabels.entrySet().retainAll(labels.entrySet());
                commonAnnotations.entrySet().retainAll(annotations.entrySet());
            }
        }
        if (!commonLabels.isEmpty()) {
            values.set("labels", JSON.valueToTree(commonLabels));
        }
        if (!commonAnnotations.isEmpty()) {
            values.set("annotations", JSON.valueToTree(commonAnnotations));
        }
        String set = runnerSet.getMetadata().getName();
        for (HasMetadata object : objects) {
            Optional<ResourceMetaTarget> target = target(set, object);
            if (target.isEmpty()) {
                continue;
            }
            Map<String, String> labels = userLabels(object);
            labels.keySet().removeAll(commonLabels.keySet());
            Map<String, String> annotations = userAnnotations(object);
            annotations.keySet().removeAll(commonAnnotations.keySet());
            ObjectNode meta = JSON.createObjectNode();
            if (!labels.isEmpty()) {
                meta.set("labels", JSON.valueToTree(labels));
            }
            if (!annotations.isEmpty()) {
                meta.set("annotations", JSON.valueToTree(annotations));
            }
            if (!meta.isEmpty()) {
                resourceMeta.set(target.get().yamlName(), meta);
            }
        }
    }

    private static Optional<ResourceMetaTarget> target(String set, HasMetadata object) {
        String name = object.getMetadata().getName();
        return Optional.ofNullable(switch (object.getKind()) {
            case "AutoscalingRunnerSet" -> ResourceMetaTarget.AUTOSCALING_RUNNER_SET;
            case "Secret" -> name.equals(RunnerSetRenderer.githubSecretName(set)) ? ResourceMetaTarget.GITHUB_CONFIG_SECRET : null;
            case "ServiceAccount" -> name.equals(RunnerSetRenderer.kubeModeName(set))
                    ? ResourceMetaTarget.KUBERNETES_MODE_SERVICE_ACCOUNT
                    : name.equals(RunnerSetRenderer.noPermissionName(set)) ? ResourceMetaTarget.NO_PERMISSION_SERVICE_ACCOUNT
                    : null;
            case "Role" -> name.equals(RunnerSetRenderer.kubeModeName(set)) ? ResourceMetaTarget.KUBERNETES_MODE_ROLE
                    : name.equals(RunnerSetRenderer.managerName(set)) ? ResourceMetaTarget.MANAGER_ROLE : null;
            case "RoleBinding" -> name.equals(RunnerSetRenderer.kubeModeName(set)) ? ResourceMetaTarget.KUBERNETES_MODE_ROLE_BINDING
                    : name.equals(RunnerSetRenderer.managerName(set)) ? ResourceMetaTarget.MANAGER_ROLE_BINDING : null;
            default -> null;
        });
    }

    private static Map<String, String> userLabels(HasMetadata object) {
        Map<String, String> labels = new TreeMap<>(Optional.ofNullable(object.getMetadata().getLabels()).orElse(Map.of()));
        labels.keySet().removeIf(key -> ReservedKeys.label(key) || ReleaseOwnerKeys.installerKey(key));
        return labels;
    }

    private static Map<String, String> userAnnotations(HasMetadata object) {
        Map<String, String> annotations = new TreeMap<>(Optional.ofNullable(object.getMetadata().getAnnotations())
                .orElse(Map.of()));
        annotations.keySet().removeIf(key -> ReservedKeys.annotation(key) || ReleaseOwnerKeys.installerKey(key)
                || key.equals(SCALE_SET_ID_ANNOTATION) || key.equals(LAST_APPLIED));
        return annotations;
    }

    /** Rules of the kube-mode Role after the chart's own are {@code kubernetesModeAdditionalRoleRules}. */
    private static void kubeModeRules(String set, Mode mode, List<HasMetadata> companions, ObjectNode values) {
        int chartRules = mode.type.equals("kubernetes") ? 5 : 4;
        companions.stream().filter(object -> object.getKind().equals("Role")
                && object.getMetadata().getName().equals(RunnerSetRenderer.kubeModeName(set)))
                .map(role -> tree(role).path("rules")).filter(rules -> rules.size() > chartRules).findFirst()
                .ifPresent(rules -> {
                    ArrayNode additional = JSON.createArrayNode();
                    for (int index = chartRules; index < rules.size(); index++) {
                        additional.add(rules.get(index));
                    }
                    ((ObjectNode) values.get("containerMode")).set("kubernetesModeAdditionalRoleRules", additional);
                });
    }

    private static String defaultMountPath(String volume) {
        return volume.equals(RunnerPodNames.DIND_SOCKET_VOLUME) ? RunnerPaths.DIND_SOCKET_DIRECTORY : RunnerPaths.WORK_DIRECTORY;
    }

    private static Optional<ObjectNode> runner(ObjectNode podSpec) {
        return named(podSpec.path("containers"), RunnerPodNames.RUNNER_CONTAINER).map(ObjectNode.class::cast);
    }

    private static Optional<JsonNode> named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return Optional.of(item);
            }
        }
        return Optional.empty();
    }

    private static String env(JsonNode container, String name) {
        return named(container.path("env"), name).map(variable -> variable.path("value").asText()).orElse("");
    }

    private static void remove(ObjectNode parent, String listField, Predicate<JsonNode> removed) {
        JsonNode list = parent.path(listField);
        if (!list.isArray()) {
            return;
        }
        ArrayNode kept = JSON.createArrayNode();
        list.forEach(item -> {
            if (!removed.test(item)) {
                kept.add(item);
            }
        });
        if (kept.isEmpty()) {
            parent.remove(listField);
        } else {
            parent.set(listField, kept);
        }
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        return parent.get(field) instanceof ObjectNode existing ? existing : parent.putObject(field);
    }

    private static ObjectNode nameValue(String name, String value) {
        return JSON.createObjectNode().put("name", name).put("value", value);
    }

    private static JsonNode tree(HasMetadata object) {
        return JSON.valueToTree(SERIALIZATION.convertValue(object, Map.class));
    }
}
