package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.chart.KubeMinorVersion;
import dev.arcfleet.arc.ArcController;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

class RunnerSetRendererTest {

    private static final String NAMESPACE = "arc-runners";
    private static final String ARC_VERSION = "0.13.1";
    private static final String NODE_ROOT = "/tmp/github-runner-cache";
    private static final ArcController CONTROLLER = new ArcController(ARC_VERSION, "arc-gha-rs-controller", "arc-systems");
    private static final String OWNER = NAMESPACE + ".arcfleet-repositories";
    private static final ClusterFacts FACTS = new ClusterFacts(NAMESPACE, "https://github.example.com", CONTROLLER, 30, NODE_ROOT, OWNER);
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_supersecret123");
    private static final String PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END RSA PRIVATE KEY-----";
    private static final GithubCredentials APP = new GithubCredentials.App("12345", "67890", PRIVATE_KEY);

    private static final String SET = "arc-runner-acme-widgets-1";
    private static final String CLEANUP_FINALIZER = "actions.github.com/cleanup-protection";
    private static final String HOOK_TEMPLATE = SET + "-hook-template";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    // ---------------------------------------------------------------- helpers

    private static RunnerSet set(String yaml, int index) {
        try {
            return new FleetConfigParser().parse(yaml).runnerSets().get(index);
        } catch (InvalidFleetConfigException e) {
            return fail("test config invalid: " + e.problems());
        }
    }

    private static RunnerSet set(String repositoryFields) {
        return set("repositories:\n  - name: acme/widgets\n" + repositoryFields.indent(4), 0);
    }

    private static DesiredRunnerSet render(String repositoryFields) {
        return RunnerSetRenderer.render(set(repositoryFields), FACTS, TOKEN);
    }

    private static JsonNode json(Object object) {
        try {
            return JSON.readTree(SERIALIZATION.asJson(object));
        } catch (Exception e) {
            return fail(e);
        }
    }

    private static JsonNode arsSpec(DesiredRunnerSet desired) {
        return json(desired.autoscalingRunnerSet()).path("spec");
    }

    private static JsonNode podSpec(DesiredRunnerSet desired) {
        JsonNode pod = arsSpec(desired).path("template").path("spec");
        assertTrue(pod.isObject(), "no template.spec in " + arsSpec(desired));
        return pod;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podSpecMap(DesiredRunnerSet desired) {
        Map<String, Object> spec = (Map<String, Object>) desired.autoscalingRunnerSet().getAdditionalProperties().get("spec");
        Map<String, Object> template = (Map<String, Object>) spec.get("template");
        return (Map<String, Object>) template.get("spec");
    }

    private static <T extends HasMetadata> T companion(DesiredRunnerSet desired, Class<T> type, String name) {
        return desired.companions().stream().filter(type::isInstance).map(type::cast)
                .filter(object -> object.getMetadata().getName().equals(name)).findFirst()
                .orElseGet(() -> fail("no " + type.getSimpleName() + " " + name + " among " + names(desired.companions())));
    }

    private static List<String> names(List<HasMetadata> objects) {
        return objects.stream().map(object -> object.getKind() + "/" + object.getMetadata().getName()).toList();
    }

    private static JsonNode container(JsonNode containers, String name) {
        for (JsonNode container : containers) {
            if (name.equals(container.path("name").asText())) {
                return container;
            }
        }
        return fail("no container " + name + " in " + containers);
    }

    private static List<String> containerNames(JsonNode containers) {
        List<String> names = new ArrayList<>();
        containers.forEach(container -> names.add(container.path("name").asText()));
        return names;
    }

    /** Compares with src/test/resources/dev/arcfleet/render/golden/RunnerSetRendererTest/{@code name}.yaml. */
    private static void assertGolden(String name, ObjectNode actual) {
        Goldens.assertMatches("RunnerSetRendererTest/" + name, actual);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            return fail(e);
        }
    }

    private static JsonNode yaml(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (Exception e) {
            return fail(e);
        }
    }

    private static PolicyRule rule(String apiGroup, String resource, String... verbs) {
        return new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder().withApiGroups(apiGroup)
                .withResources(resource).withVerbs(verbs).build();
    }

    private static String b64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> expectedCommonLabels(String set, String instance) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", set);
        labels.put("app.kubernetes.io/instance", set);
        labels.put("app.kubernetes.io/version", ARC_VERSION);
        labels.put("app.kubernetes.io/managed-by", "arcfleet");
        labels.put("app.kubernetes.io/part-of", "gha-rs");
        labels.put("actions.github.com/scale-set-name", set);
        labels.put("actions.github.com/scale-set-namespace", NAMESPACE);
        labels.put("arcfleet.dev/set", set);
        labels.put("arcfleet.dev/repository", set.substring(0, set.lastIndexOf('-')));
        labels.put("arcfleet.dev/instance", instance);
        labels.put("arcfleet.dev/owner", "arc-runners.arcfleet-repositories");
        return labels;
    }

    // ---------------------------------------------------------------- AutoscalingRunnerSet spec

    @Test
    void autoscalingRunnerSetIdentity() {
        GenericKubernetesResource ars = render("").autoscalingRunnerSet();
        assertEquals("actions.github.com/v1alpha1", ars.getApiVersion());
        assertEquals("AutoscalingRunnerSet", ars.getKind());
        assertEquals(SET, ars.getMetadata().getName());
        assertEquals(NAMESPACE, ars.getMetadata().getNamespace());
    }

    @Test
    void kubernetesModeSpec() {
        JsonNode spec = arsSpec(render("""
                minRunners: 1
                maxRunners: 4
                """));
        assertEquals("https://github.example.com/acme/widgets", spec.path("githubConfigUrl").asText());
        assertEquals(SET + "-gha-rs-github-secret", spec.path("githubConfigSecret").asText());
        assertEquals(SET, spec.path("runnerScaleSetName").asText());
        assertEquals(1, spec.path("minRunners").asInt(-1));
        assertTrue(spec.path("minRunners").isInt(), spec.toString());
        assertEquals(4, spec.path("maxRunners").asInt(-1));
        assertTrue(spec.path("maxRunners").isInt(), spec.toString());
        assertFalse(spec.has("runnerGroup"), "runnerGroup must be absent when not configured: " + spec);
    }

    @Test
    void minRunnersZeroIsRenderedExplicitly() {
        JsonNode spec = arsSpec(render(""));
        assertTrue(spec.has("minRunners"), spec.toString());
        assertEquals(0, spec.path("minRunners").asInt(-1));
        assertEquals(1, spec.path("maxRunners").asInt(-1));
    }

    /**
     * The chart renders maxRunners only for a number (actions/actions-runner-controller
     * charts/gha-runner-scale-set/templates/autoscalingrunnerset.yaml, 0.13.0 to 0.14.2: the block
     * {@code if or (kindIs "int64" .Values.maxRunners) (kindIs "float64" .Values.maxRunners)} around
     * {@code maxRunners: {{ .Values.maxRunners | int }}}, lines 133-137 of 0.13.0 and 146-150 of 0.14.2), so a null
     * one renders none, and ARC sets no limit.
     */
    @Test
    void maxRunnersNullRendersNoMaxRunnersAsTheChartDoes() {
        JsonNode spec = arsSpec(render("maxRunners: null\n"));
        assertFalse(spec.has("maxRunners"), spec.toString());
        assertEquals(0, spec.path("minRunners").asInt(-1));
    }

    /** A drain is one more input: no runners, an annotation saying why, and another hash, so it is written once. */
    @Test
    void aDrainedSetAllowsNoRunnersAndHashesApart() {
        DesiredRunnerSet configured = render("minRunners: 1\nmaxRunners: null\n");
        DesiredRunnerSet drained = RunnerSetRenderer.render(set("minRunners: 1\nmaxRunners: null\n"), FACTS, TOKEN,
                Runners.DRAINED);

        assertEquals(0, arsSpec(drained).path("minRunners").asInt(-1));
        assertEquals(0, arsSpec(drained).path("maxRunners").asInt(-1));
        assertTrue(Labels.drained(drained.autoscalingRunnerSet()));
        assertFalse(Labels.drained(configured.autoscalingRunnerSet()));
        assertNotEquals(desiredHash(configured.autoscalingRunnerSet()), desiredHash(drained.autoscalingRunnerSet()));
        assertEquals(desiredHash(configured.companions().get(0)), desiredHash(drained.companions().get(0)),
                "only the AutoscalingRunnerSet changes");
    }

    @Test
    void runnerGroupIsRenderedWhenSet() {
        JsonNode spec = arsSpec(render("runnerGroup: builders\n"));
        assertEquals("builders", spec.path("runnerGroup").asText());
    }

    @Test
    void githubConfigUrlHasNoTrailingSlashEvenIfClusterFactsGotOne() {
        for (String url : List.of("https://github.example.com/", "https://github.example.com//")) {
            ClusterFacts facts = new ClusterFacts(NAMESPACE, url, CONTROLLER, 30, NODE_ROOT, OWNER);
            DesiredRunnerSet desired = RunnerSetRenderer.render(set(""), facts, TOKEN);
            assertEquals("https://github.example.com/acme/widgets", arsSpec(desired).path("githubConfigUrl").asText());
        }
        ClusterFacts github = new ClusterFacts(NAMESPACE, "https://github.com/", CONTROLLER, 30, NODE_ROOT, OWNER);
        String url = arsSpec(RunnerSetRenderer.render(set(""), github, TOKEN)).path("githubConfigUrl").asText();
        assertEquals("https://github.com/acme/widgets", url);
        assertFalse(url.endsWith("/"));
    }

    @Test
    void githubConfigUrlKeepsTheRepositoryCase() {
        RunnerSet set = set("repositories:\n  - name: Acme/Widgets.js\n", 0);
        JsonNode spec = arsSpec(RunnerSetRenderer.render(set, FACTS, TOKEN));
        assertEquals("https://github.example.com/Acme/Widgets.js", spec.path("githubConfigUrl").asText());
        assertEquals("arc-runner-acme-widgets-js-1", spec.path("runnerScaleSetName").asText());
    }

    // ---------------------------------------------------------------- kubernetes mode pod template

    @Test
    void kubernetesModePodTemplate() {
        JsonNode pod = podSpec(render("""
                runnerImage: ghcr.io/acme/runner:2
                workVolumeClaimTemplate:
                  storageClassName: fast-ssd
                  accessModes: [ReadWriteOnce]
                  storage: 20Gi
                """));
        assertEquals("Never", pod.path("restartPolicy").asText());
        assertEquals(SET + "-gha-rs-kube-mode", pod.path("serviceAccountName").asText());
        assertTrue(pod.path("initContainers").isMissingNode() || pod.path("initContainers").isEmpty(), pod.toString());

        JsonNode containers = pod.path("containers");
        assertEquals(List.of("runner"), containerNames(containers));
        JsonNode runner = containers.get(0);
        assertEquals("ghcr.io/acme/runner:2", runner.path("image").asText());
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.containers[runner].command", runner.path("command"));
        actual.set("spec.template.spec.containers[runner].env", runner.path("env"));
        actual.set("spec.template.spec.containers[runner].volumeMounts", runner.path("volumeMounts"));
        actual.set("spec.template.spec.volumes", pod.path("volumes"));
        assertGolden("kubernetesModePodTemplate", actual);
    }

    @Test
    void kubernetesModeWithoutStorageClassLeavesItToTheClusterDefault() {
        JsonNode pod = podSpec(render(""));
        JsonNode claim = pod.path("volumes").get(0).path("ephemeral").path("volumeClaimTemplate").path("spec");
        assertFalse(claim.has("storageClassName"), claim.toString());
        assertEquals(parse("[\"ReadWriteOnce\"]"), claim.path("accessModes"));
        assertEquals("10Gi", claim.path("resources").path("requests").path("storage").asText());
    }

    @Test
    void kubernetesModeCompanions() {
        DesiredRunnerSet desired = render("");
        assertEquals(List.of(
                "ServiceAccount/" + SET + "-gha-rs-kube-mode",
                "Role/" + SET + "-gha-rs-kube-mode",
                "RoleBinding/" + SET + "-gha-rs-kube-mode",
                "Role/" + SET + "-gha-rs-manager",
                "RoleBinding/" + SET + "-gha-rs-manager",
                "Secret/" + SET + "-gha-rs-github-secret",
                "ConfigMap/" + HOOK_TEMPLATE), names(desired.companions()));
        for (HasMetadata companion : desired.companions()) {
            assertEquals(NAMESPACE, companion.getMetadata().getNamespace(), companion.getMetadata().getName());
        }
        List<HasMetadata> all = desired.allObjects();
        assertEquals(desired.companions().size() + 1, all.size());
        assertEquals(desired.autoscalingRunnerSet(), all.get(all.size() - 1));
    }

    @Test
    void kubeModeRoleRulesIncludeJobs() {
        Role role = companion(render(""), Role.class, SET + "-gha-rs-kube-mode");
        assertEquals(List.of(
                rule("", "pods", "get", "list", "create", "delete"),
                rule("", "pods/exec", "get", "create"),
                rule("", "pods/log", "get", "list", "watch"),
                rule("batch", "jobs", "get", "list", "create", "delete"),
                rule("", "secrets", "get", "list", "create", "delete")), role.getRules());
    }

    @Test
    void kubeModeRoleBindingBindsTheKubeModeServiceAccount() {
        RoleBinding binding = companion(render(""), RoleBinding.class, SET + "-gha-rs-kube-mode");
        assertEquals("rbac.authorization.k8s.io", binding.getRoleRef().getApiGroup());
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(SET + "-gha-rs-kube-mode", binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        assertEquals(SET + "-gha-rs-kube-mode", binding.getSubjects().get(0).getName());
        assertEquals(NAMESPACE, binding.getSubjects().get(0).getNamespace());
    }

    @Test
    void managerRoleRules() {
        Role role = companion(render(""), Role.class, SET + "-gha-rs-manager");
        assertEquals(List.of(
                rule("", "pods", "create", "delete", "get"),
                rule("", "pods/status", "get"),
                rule("", "secrets", "create", "delete", "get", "list", "patch", "update"),
                rule("", "serviceaccounts", "create", "delete", "get", "list", "patch", "update"),
                rule("rbac.authorization.k8s.io", "rolebindings", "create", "delete", "get", "patch", "update"),
                rule("rbac.authorization.k8s.io", "roles", "create", "delete", "get", "patch", "update")), role.getRules());
    }

    @Test
    void managerRoleBindingSubjectIsTheControllerServiceAccount() {
        RoleBinding binding = companion(render(""), RoleBinding.class, SET + "-gha-rs-manager");
        assertEquals("rbac.authorization.k8s.io", binding.getRoleRef().getApiGroup());
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(SET + "-gha-rs-manager", binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        assertEquals("arc-gha-rs-controller", binding.getSubjects().get(0).getName());
        assertEquals("arc-systems", binding.getSubjects().get(0).getNamespace());
    }

    // ---------------------------------------------------------------- labels, annotations, finalizers

    @Test
    void everyObjectCarriesTheChartAndArcfleetLabels() {
        DesiredRunnerSet desired = render("instances: 2\n");
        Map<String, String> expected = expectedCommonLabels(SET, "1");
        for (HasMetadata object : desired.allObjects()) {
            Map<String, String> labels = object.getMetadata().getLabels();
            assertNotNull(labels, object.getMetadata().getName());
            expected.forEach((key, value) -> assertEquals(value, labels.get(key),
                    object.getKind() + "/" + object.getMetadata().getName() + " label " + key));
        }
    }

    @Test
    void componentLabelsMatchTheChart() {
        DesiredRunnerSet desired = render("");
        assertEquals("autoscaling-runner-set",
                desired.autoscalingRunnerSet().getMetadata().getLabels().get("app.kubernetes.io/component"));
        assertEquals("manager-role", companion(desired, Role.class, SET + "-gha-rs-manager").getMetadata().getLabels()
                .get("app.kubernetes.io/component"));
        assertEquals("manager-role-binding", companion(desired, RoleBinding.class, SET + "-gha-rs-manager").getMetadata()
                .getLabels().get("app.kubernetes.io/component"));
        for (HasMetadata object : List.of(companion(desired, ServiceAccount.class, SET + "-gha-rs-kube-mode"),
                companion(desired, Role.class, SET + "-gha-rs-kube-mode"),
                companion(desired, RoleBinding.class, SET + "-gha-rs-kube-mode"),
                companion(desired, Secret.class, SET + "-gha-rs-github-secret"))) {
            assertFalse(object.getMetadata().getLabels().containsKey("app.kubernetes.io/component"),
                    object.getKind() + " should carry no component label");
        }
    }

    @Test
    void labelsOfASecondInstance() {
        RunnerSet second = set("repositories:\n  - name: acme/widgets\n    instances: 2\n", 1);
        DesiredRunnerSet desired = RunnerSetRenderer.render(second, FACTS, TOKEN);
        Map<String, String> labels = desired.autoscalingRunnerSet().getMetadata().getLabels();
        expectedCommonLabels("arc-runner-acme-widgets-2", "2").forEach((key, value) -> assertEquals(value, labels.get(key), key));
        assertEquals("arc-runner-acme-widgets", labels.get("arcfleet.dev/repository"));
    }

    @Test
    void repositoryLabelOfAShortenedNameIsAValidLabelValue() {
        RunnerSet set = set("repositories:\n  - name: acme/" + "long-repository-name-".repeat(4) + "x\n", 0);
        DesiredRunnerSet desired = RunnerSetRenderer.render(set, FACTS, TOKEN);
        String repositoryLabel = desired.autoscalingRunnerSet().getMetadata().getLabels().get("arcfleet.dev/repository");
        assertTrue(repositoryLabel.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && repositoryLabel.length() <= 63, repositoryLabel);
        assertEquals(set.name(), repositoryLabel + "-1");
    }

    @Test
    void kubernetesModeCleanupAnnotations() {
        Map<String, String> annotations = render("").autoscalingRunnerSet().getMetadata().getAnnotations();
        Map<String, String> cleanup = new LinkedHashMap<>();
        annotations.forEach((key, value) -> {
            if (key.startsWith("actions.github.com/cleanup-")) {
                cleanup.put(key, value);
            }
        });
        assertEquals(Map.of(
                "actions.github.com/cleanup-github-secret-name", SET + "-gha-rs-github-secret",
                "actions.github.com/cleanup-manager-role-binding", SET + "-gha-rs-manager",
                "actions.github.com/cleanup-manager-role-name", SET + "-gha-rs-manager",
                "actions.github.com/cleanup-kubernetes-mode-role-binding-name", SET + "-gha-rs-kube-mode",
                "actions.github.com/cleanup-kubernetes-mode-role-name", SET + "-gha-rs-kube-mode",
                "actions.github.com/cleanup-kubernetes-mode-service-account-name", SET + "-gha-rs-kube-mode"), cleanup);
        assertNotNull(annotations.get("actions.github.com/values-hash"));
        assertNotNull(annotations.get("arcfleet.dev/desired-hash"));
    }

    @Test
    void cleanupAnnotationsNameObjectsThatAreRendered() {
        for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind")) {
            DesiredRunnerSet desired = render("containerMode: " + mode + "\n");
            List<String> companionNames = desired.companions().stream().map(object -> object.getMetadata().getName()).toList();
            desired.autoscalingRunnerSet().getMetadata().getAnnotations().forEach((key, value) -> {
                if (key.startsWith("actions.github.com/cleanup-")) {
                    assertTrue(companionNames.contains(value), mode + ": " + key + " names " + value + " not in " + companionNames);
                }
            });
            // and every companion ARC knows is released by some annotation; the hook template is arcfleet's own
            for (String name : companionNames) {
                if (name.equals(HOOK_TEMPLATE)) {
                    assertFalse(desired.autoscalingRunnerSet().getMetadata().getAnnotations().entrySet().stream()
                            .anyMatch(e -> e.getKey().startsWith("actions.github.com/cleanup-") && e.getValue().equals(name)),
                            mode + ": ARC must not be asked to clean up " + name);
                    continue;
                }
                assertTrue(desired.autoscalingRunnerSet().getMetadata().getAnnotations().entrySet().stream()
                        .anyMatch(e -> e.getKey().startsWith("actions.github.com/cleanup-") && e.getValue().equals(name)),
                        mode + ": no cleanup annotation for " + name);
            }
        }
    }

    @Test
    void cleanupFinalizerOnEveryCompanionAndNoneOnTheAutoscalingRunnerSet() {
        for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind")) {
            DesiredRunnerSet desired = render("containerMode: " + mode + "\n");
            for (HasMetadata companion : desired.companions()) {
                String what = mode + ": " + companion.getKind() + "/" + companion.getMetadata().getName();
                if (companion instanceof ConfigMap && companion.getMetadata().getName().equals(HOOK_TEMPLATE)) {
                    // ARC does not know the hook template, so nothing would ever release a finalizer on it
                    List<String> none = companion.getMetadata().getFinalizers();
                    assertTrue(none == null || none.isEmpty(), what + ": " + none);
                    continue;
                }
                assertEquals(List.of(CLEANUP_FINALIZER), companion.getMetadata().getFinalizers(), what);
            }
            List<String> finalizers = desired.autoscalingRunnerSet().getMetadata().getFinalizers();
            assertTrue(finalizers == null || finalizers.isEmpty(), mode + ": " + finalizers);
            assertFalse(json(desired.autoscalingRunnerSet()).path("metadata").has("finalizers")
                    && !json(desired.autoscalingRunnerSet()).path("metadata").path("finalizers").isEmpty());
        }
    }

    @Test
    void everyObjectCarriesADesiredHash() {
        for (HasMetadata object : render("").allObjects()) {
            String hash = object.getMetadata().getAnnotations().get("arcfleet.dev/desired-hash");
            assertNotNull(hash, object.getKind());
            assertTrue(hash.matches("[0-9a-f]{64}"), hash);
        }
    }

    // ---------------------------------------------------------------- kubernetes-novolume

    @Test
    void kubernetesNovolumePodTemplate() {
        DesiredRunnerSet desired = render("""
                containerMode: kubernetes-novolume
                runnerImage: ghcr.io/acme/runner:3
                """);
        JsonNode pod = podSpec(desired);
        assertEquals("Never", pod.path("restartPolicy").asText());
        assertEquals(SET + "-gha-rs-kube-mode", pod.path("serviceAccountName").asText());
        JsonNode runner = container(pod.path("containers"), "runner");
        assertEquals(1, pod.path("containers").size());
        assertEquals("ghcr.io/acme/runner:3", runner.path("image").asText());
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.containers[runner].command", runner.path("command"));
        actual.set("spec.template.spec.containers[runner].env", runner.path("env"));
        // no work volume in this mode: only the caches and the hook template
        actual.set("spec.template.spec.containers[runner].volumeMounts", runner.path("volumeMounts"));
        actual.set("spec.template.spec.volumes", pod.path("volumes"));
        assertGolden("kubernetesNovolumePodTemplate", actual);
        assertTrue(pod.path("initContainers").isMissingNode() || pod.path("initContainers").isEmpty(), pod.toString());
    }

    @Test
    void kubernetesNovolumeTemplateHasAVolumesListInTheSpecMap() {
        Map<String, Object> pod = podSpecMap(render("containerMode: kubernetes-novolume\n"));
        // ARC 0.13.1 rejects a template without a volumes list in this mode
        assertTrue(pod.containsKey("volumes"), "template.spec has no 'volumes' key: " + pod.keySet());
        assertTrue(pod.get("volumes") instanceof List, "template.spec.volumes is not a list: " + pod.get("volumes"));
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.volumes", JSON.valueToTree(pod.get("volumes")));
        assertGolden("kubernetesNovolumeTemplateHasAVolumesListInTheSpecMap", actual);
    }

    @Test
    void kubernetesNovolumeTemplateSerializesItsVolumesList() {
        GenericKubernetesResource ars = render("containerMode: kubernetes-novolume\n").autoscalingRunnerSet();
        JsonNode volumes = json(ars).path("spec").path("template").path("spec").path("volumes");
        assertTrue(volumes.isArray(), "serialized template.spec.volumes should be a list but is " + volumes);
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.volumes", volumes);
        assertGolden("kubernetesNovolumeTemplateSerializesItsVolumesList", actual);
        String yaml = new KubernetesSerialization().asYaml(ars);
        JsonNode fromYaml = yaml(yaml).path("spec").path("template").path("spec").path("volumes");
        assertEquals(volumes, fromYaml, yaml);
    }

    @Test
    void kubernetesNovolumeRoleHasNoJobsRule() {
        DesiredRunnerSet desired = render("containerMode: kubernetes-novolume\n");
        Role role = companion(desired, Role.class, SET + "-gha-rs-kube-mode");
        assertEquals(List.of(
                rule("", "pods", "get", "list", "create", "delete"),
                rule("", "pods/exec", "get", "create"),
                rule("", "pods/log", "get", "list", "watch"),
                rule("", "secrets", "get", "list", "create", "delete")), role.getRules());
        assertTrue(role.getRules().stream().noneMatch(rule -> rule.getResources().contains("jobs")));
        // kube-mode objects, not the no-permission ServiceAccount
        companion(desired, ServiceAccount.class, SET + "-gha-rs-kube-mode");
        companion(desired, RoleBinding.class, SET + "-gha-rs-kube-mode");
        assertTrue(desired.companions().stream().noneMatch(o -> o.getMetadata().getName().endsWith("-no-permission")));
        Map<String, String> annotations = desired.autoscalingRunnerSet().getMetadata().getAnnotations();
        assertEquals(SET + "-gha-rs-kube-mode", annotations.get("actions.github.com/cleanup-kubernetes-mode-service-account-name"));
        assertFalse(annotations.containsKey("actions.github.com/cleanup-no-permission-service-account-name"));
    }

    // ---------------------------------------------------------------- dind

    private static DesiredRunnerSet renderDind(int kubernetesMinorVersion) {
        ClusterFacts facts = new ClusterFacts(NAMESPACE, "https://github.example.com", CONTROLLER, kubernetesMinorVersion, NODE_ROOT, OWNER);
        return RunnerSetRenderer.render(set("containerMode: dind\nrunnerImage: ghcr.io/acme/runner:4\n"), facts, TOKEN);
    }

    /**
     * actions/actions-runner-controller charts/gha-runner-scale-set/templates/autoscalingrunnerset.yaml (0.13.0 to
     * 0.14.2) decides with {@code if (ge (.Capabilities.KubeVersion.Minor | int) 29)}, in the initContainers and again in
     * the containers block (lines 189 and 202 of 0.13.0, 242 and 255 of 0.14.2). Helm hands the minor on as the API server reports it, {@code "29+"} on EKS and GKE, and
     * Sprig's int makes that 0: the chart renders an ordinary dind container there, whatever the version.
     */
    @Test
    void dindOnAMinorWithAPlusIsAnOrdinaryContainerAsTheChartRendersIt() {
        for (String minor : List.of("29+", "33+")) {
            JsonNode pod = podSpec(renderDind(KubeMinorVersion.asTheChartReadsIt(minor)));
            assertEquals(List.of("init-dind-externals"), containerNames(pod.path("initContainers")), "minor " + minor);
            assertEquals(List.of("runner", "dind"), containerNames(pod.path("containers")), "minor " + minor);
        }
        assertEquals(30, KubeMinorVersion.asTheChartReadsIt("30"));
    }

    @Test
    void dindIsANativeSidecarFromKubernetes129() {
        ObjectNode actual = JSON.createObjectNode();
        for (int minor : new int[] {29, 30, 33}) {
            JsonNode pod = podSpec(renderDind(minor));
            assertEquals(List.of("init-dind-externals", "dind"), containerNames(pod.path("initContainers")), "minor " + minor);
            assertEquals(List.of("runner"), containerNames(pod.path("containers")), "minor " + minor);
            JsonNode dind = container(pod.path("initContainers"), "dind");
            actual.set("minor " + minor + ": spec.template.spec.initContainers[dind]", dind);
        }
        assertGolden("dindIsANativeSidecarFromKubernetes129", actual);
    }

    @Test
    void dindIsASecondContainerBeforeKubernetes129() {
        ObjectNode actual = JSON.createObjectNode();
        for (int minor : new int[] {27, 28}) {
            JsonNode pod = podSpec(renderDind(minor));
            assertEquals(List.of("init-dind-externals"), containerNames(pod.path("initContainers")), "minor " + minor);
            assertEquals(List.of("runner", "dind"), containerNames(pod.path("containers")), "minor " + minor);
            JsonNode dind = container(pod.path("containers"), "dind");
            actual.set("minor " + minor + ": spec.template.spec.containers[dind]", dind);
            assertFalse(dind.has("restartPolicy"));
            assertFalse(dind.has("startupProbe"));
        }
        assertGolden("dindIsASecondContainerBeforeKubernetes129", actual);
    }

    @Test
    void dindPodTemplate() {
        JsonNode pod = podSpec(renderDind(30));
        assertEquals("Never", pod.path("restartPolicy").asText());
        assertEquals(SET + "-gha-rs-no-permission", pod.path("serviceAccountName").asText());
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.initContainers[init-dind-externals]", container(pod.path("initContainers"), "init-dind-externals"));
        actual.set("spec.template.spec.containers[runner]", container(pod.path("containers"), "runner"));
        actual.set("spec.template.spec.volumes", pod.path("volumes"));
        assertGolden("dindPodTemplate", actual);
    }

    @Test
    void dindUsesANoPermissionServiceAccountAndNoKubeModeObjects() {
        DesiredRunnerSet desired = renderDind(30);
        assertEquals(List.of(
                "ServiceAccount/" + SET + "-gha-rs-no-permission",
                "Role/" + SET + "-gha-rs-manager",
                "RoleBinding/" + SET + "-gha-rs-manager",
                "Secret/" + SET + "-gha-rs-github-secret"), names(desired.companions()));
        assertTrue(desired.companions().stream().noneMatch(o -> o.getMetadata().getName().contains("kube-mode")));
        ServiceAccount sa = companion(desired, ServiceAccount.class, SET + "-gha-rs-no-permission");
        assertEquals(List.of(CLEANUP_FINALIZER), sa.getMetadata().getFinalizers());

        Map<String, String> annotations = desired.autoscalingRunnerSet().getMetadata().getAnnotations();
        assertEquals(SET + "-gha-rs-no-permission", annotations.get("actions.github.com/cleanup-no-permission-service-account-name"));
        assertTrue(annotations.keySet().stream().noneMatch(key -> key.startsWith("actions.github.com/cleanup-kubernetes-mode-")),
                annotations.toString());
        assertEquals(SET + "-gha-rs-github-secret", annotations.get("actions.github.com/cleanup-github-secret-name"));
        assertEquals(SET + "-gha-rs-manager", annotations.get("actions.github.com/cleanup-manager-role-binding"));
        assertEquals(SET + "-gha-rs-manager", annotations.get("actions.github.com/cleanup-manager-role-name"));
    }

    // ---------------------------------------------------------------- caches and the container hooks' pod template

    private static final String TWO_CACHES = """
            cachePaths:
              - name: gradle
                path: /home/runner/.gradle
              - name: tool-cache
                path: /opt/hostedtoolcache/
            """;

    private static DesiredRunnerSet render(String repositoryFields, ClusterFacts facts) {
        return RunnerSetRenderer.render(set(repositoryFields), facts, TOKEN);
    }

    private static ClusterFacts facts(int kubernetesMinorVersion, String nodeRoot) {
        return new ClusterFacts(NAMESPACE, "https://github.example.com", CONTROLLER, kubernetesMinorVersion, nodeRoot, OWNER);
    }

    /** The entries of a volumes or volumeMounts list whose name starts with {@code cache-}, in order. */
    private static JsonNode cacheEntries(JsonNode list) {
        com.fasterxml.jackson.databind.node.ArrayNode caches = JSON.createArrayNode();
        list.forEach(entry -> {
            if (entry.path("name").asText().startsWith("cache-")) {
                caches.add(entry);
            }
        });
        return caches;
    }

    private static String dindPath(int kubernetesMinorVersion) {
        return "spec.template.spec." + (kubernetesMinorVersion >= 29 ? "initContainers" : "containers") + "[dind]";
    }

    private static JsonNode dindContainer(JsonNode pod, int kubernetesMinorVersion) {
        return container(pod.path(kubernetesMinorVersion >= 29 ? "initContainers" : "containers"), "dind");
    }

    private static JsonNode hookTemplateContent(DesiredRunnerSet desired) {
        ConfigMap template = companion(desired, ConfigMap.class, HOOK_TEMPLATE);
        assertEquals(List.of("content"), List.copyOf(template.getData().keySet()), template.getData().toString());
        assertTrue(template.getBinaryData() == null || template.getBinaryData().isEmpty(), template.toString());
        return yaml(template.getData().get("content"));
    }

    @Test
    void defaultCacheIsAHostPathVolumeMountedIntoTheRunnerInKubernetesModes() {
        ObjectNode actual = JSON.createObjectNode();
        for (String mode : List.of("kubernetes", "kubernetes-novolume")) {
            JsonNode pod = podSpec(render("containerMode: " + mode + "\n"));
            JsonNode runner = container(pod.path("containers"), "runner");
            actual.set(mode + ": cache- entries of spec.template.spec.containers[runner].volumeMounts",
                    cacheEntries(runner.path("volumeMounts")));
            actual.set(mode + ": cache- entries of spec.template.spec.volumes", cacheEntries(pod.path("volumes")));
            assertEquals(1, pod.path("containers").size(), mode);
        }
        assertGolden("defaultCacheIsAHostPathVolumeMountedIntoTheRunnerInKubernetesModes", actual);
    }

    @Test
    void defaultCacheIsMountedIntoRunnerAndDindInDindMode() {
        ObjectNode actual = JSON.createObjectNode();
        for (int minor : new int[] {27, 28, 29, 30}) {
            JsonNode pod = podSpec(RunnerSetRenderer.render(set("containerMode: dind\n"), facts(minor, NODE_ROOT), TOKEN));
            dindCaches(actual, pod, minor);
            actual.set("minor " + minor + ": spec.template.spec.initContainers[init-dind-externals].volumeMounts",
                    container(pod.path("initContainers"), "init-dind-externals").path("volumeMounts"));
        }
        assertGolden("defaultCacheIsMountedIntoRunnerAndDindInDindMode", actual);
    }

    @Test
    void twoCustomCachesReplaceTheDefaultInKubernetesMode() {
        JsonNode pod = podSpec(render(TWO_CACHES));
        JsonNode runner = container(pod.path("containers"), "runner");
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.containers[runner].volumeMounts", runner.path("volumeMounts"));
        JsonNode volumes = pod.path("volumes");
        assertEquals(4, volumes.size(), volumes.toString());
        assertEquals("work", volumes.get(0).path("name").asText());
        assertTrue(volumes.get(0).has("ephemeral"), volumes.toString());
        actual.set("spec.template.spec.volumes[1..3]", JSON.createArrayNode().add(volumes.get(1)).add(volumes.get(2)).add(volumes.get(3)));
        assertGolden("twoCustomCachesReplaceTheDefaultInKubernetesMode", actual);
    }

    @Test
    void twoCustomCachesReplaceTheDefaultInKubernetesNovolumeMode() {
        JsonNode pod = podSpec(render("containerMode: kubernetes-novolume\n" + TWO_CACHES));
        JsonNode runner = container(pod.path("containers"), "runner");
        ObjectNode actual = JSON.createObjectNode();
        actual.set("spec.template.spec.containers[runner].volumeMounts", runner.path("volumeMounts"));
        actual.set("spec.template.spec.volumes", pod.path("volumes"));
        assertGolden("twoCustomCachesReplaceTheDefaultInKubernetesNovolumeMode", actual);
    }

    @Test
    void twoCustomCachesReplaceTheDefaultInDindMode() {
        ObjectNode actual = JSON.createObjectNode();
        for (int minor : new int[] {28, 29}) {
            JsonNode pod = podSpec(RunnerSetRenderer.render(set("containerMode: dind\n" + TWO_CACHES), facts(minor, NODE_ROOT), TOKEN));
            dindCaches(actual, pod, minor);
        }
        assertGolden("twoCustomCachesReplaceTheDefaultInDindMode", actual);
    }

    /** The runner and, since job containers' bind mounts are resolved inside dind, dind see the caches at the same paths. */
    private static void dindCaches(ObjectNode actual, JsonNode pod, int minor) {
        actual.set("minor " + minor + ": spec.template.spec.containers[runner].volumeMounts",
                container(pod.path("containers"), "runner").path("volumeMounts"));
        actual.set("minor " + minor + ": " + dindPath(minor) + ".volumeMounts", dindContainer(pod, minor).path("volumeMounts"));
        actual.set("minor " + minor + ": spec.template.spec.volumes", pod.path("volumes"));
    }

    @Test
    void hookTemplateMountsTheRunnersCachesIntoTheJobContainer() {
        ObjectNode actual = JSON.createObjectNode();
        for (String mode : List.of("kubernetes", "kubernetes-novolume")) {
            for (String caches : List.of("", TWO_CACHES)) {
                DesiredRunnerSet desired = render("containerMode: " + mode + "\n" + caches);
                JsonNode content = hookTemplateContent(desired);
                JsonNode pod = podSpec(desired);
                JsonNode runnerMounts = cacheEntries(container(pod.path("containers"), "runner").path("volumeMounts"));
                JsonNode podVolumes = cacheEntries(pod.path("volumes"));
                String what = mode + (caches.isEmpty() ? " default cache" : " two caches");

                assertEquals(List.of("spec"), fieldNames(content), what + ": " + content);
                JsonNode spec = content.path("spec");
                assertEquals(List.of("containers", "volumes"), fieldNames(spec), what + ": " + content);
                assertEquals(1, spec.path("containers").size(), what + ": " + content);
                JsonNode job = spec.path("containers").get(0);
                assertEquals("$job", job.path("name").asText(), what);
                assertEquals(List.of("name", "volumeMounts"), fieldNames(job), what + ": " + job);
                assertEquals(runnerMounts, job.path("volumeMounts"), what);
                assertEquals(podVolumes, spec.path("volumes"), what);
                actual.set(what + ": hook template spec.containers[$job].volumeMounts", job.path("volumeMounts"));
                actual.set(what + ": hook template spec.volumes", spec.path("volumes"));
            }
        }
        assertGolden("hookTemplateMountsTheRunnersCachesIntoTheJobContainer", actual);
    }

    @Test
    void runnerFindsTheHookTemplateWhereTheConfigMapIsMounted() {
        ObjectNode actual = JSON.createObjectNode();
        for (String mode : List.of("kubernetes", "kubernetes-novolume")) {
            DesiredRunnerSet desired = render("containerMode: " + mode + "\n");
            JsonNode pod = podSpec(desired);
            JsonNode runner = container(pod.path("containers"), "runner");
            List<JsonNode> templateEnv = new ArrayList<>();
            runner.path("env").forEach(env -> {
                if (env.path("name").asText().equals("ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE")) {
                    templateEnv.add(env);
                }
            });
            actual.set(mode + ": ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE entries of spec.template.spec.containers[runner].env",
                    JSON.valueToTree(templateEnv));
            JsonNode mount = null;
            for (JsonNode candidate : runner.path("volumeMounts")) {
                if (candidate.path("name").asText().equals("hook-template")) {
                    mount = candidate;
                }
            }
            actual.set(mode + ": spec.template.spec.containers[runner].volumeMounts[hook-template]", mount);
            assertNotNull(mount, mode);
            String file = templateEnv.get(0).path("value").asText();
            String key = file.substring(mount.path("mountPath").asText().length() + 1);
            assertTrue(companion(desired, ConfigMap.class, HOOK_TEMPLATE).getData().containsKey(key), mode + ": " + key);
            JsonNode volume = null;
            for (JsonNode candidate : pod.path("volumes")) {
                if (candidate.path("name").asText().equals("hook-template")) {
                    assertNull(volume, mode + ": two hook-template volumes");
                    volume = candidate;
                }
            }
            actual.set(mode + ": spec.template.spec.volumes[hook-template]", volume);
            assertNotNull(volume, mode);
        }
        assertGolden("runnerFindsTheHookTemplateWhereTheConfigMapIsMounted", actual);
    }

    @Test
    void hookTemplateConfigMapHasNoFinalizerAndTheCommonLabels() {
        for (String mode : List.of("kubernetes", "kubernetes-novolume")) {
            DesiredRunnerSet desired = render("containerMode: " + mode + "\n");
            ConfigMap template = companion(desired, ConfigMap.class, HOOK_TEMPLATE);
            List<String> finalizers = template.getMetadata().getFinalizers();
            assertTrue(finalizers == null || finalizers.isEmpty(), mode + ": " + finalizers);
            JsonNode metadata = json(template).path("metadata");
            assertFalse(metadata.has("finalizers") && !metadata.path("finalizers").isEmpty(), mode + ": " + metadata);
            assertEquals(NAMESPACE, template.getMetadata().getNamespace());
            assertEquals(expectedCommonLabels(SET, "1"), template.getMetadata().getLabels(), mode);
            assertEquals(List.of("arcfleet.dev/desired-hash"), List.copyOf(template.getMetadata().getAnnotations().keySet()),
                    mode);
            assertTrue(desired.autoscalingRunnerSet().getMetadata().getAnnotations().values().stream()
                    .noneMatch(HOOK_TEMPLATE::equals), mode);
        }
    }

    @Test
    void noHookTemplateInDindMode() {
        for (int minor : new int[] {28, 30}) {
            DesiredRunnerSet desired = RunnerSetRenderer.render(set("containerMode: dind\n" + TWO_CACHES), facts(minor, NODE_ROOT), TOKEN);
            assertTrue(desired.companions().stream().noneMatch(object -> object instanceof ConfigMap
                    || object.getMetadata().getName().equals(HOOK_TEMPLATE)), names(desired.companions()).toString());
            JsonNode pod = podSpec(desired);
            String text = pod.toString();
            assertFalse(text.contains("hook-template"), text);
            assertFalse(text.contains("ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE"), text);
            assertFalse(text.contains("pod-template"), text);
        }
    }

    @Test
    void cacheNodeRootWithATrailingSlashIsNormalized() {
        ObjectNode actual = JSON.createObjectNode();
        for (String root : List.of("/srv/arc-cache", "/srv/arc-cache/", "/srv/arc-cache//")) {
            ClusterFacts facts = facts(30, root);
            assertEquals("/srv/arc-cache", facts.cacheNodeRoot(), root);
            assertEquals("/srv/arc-cache/" + SET + "/nix",
                    RunnerSetRenderer.cacheNodePath(facts, SET, new dev.arcfleet.fleet.CachePath("nix", "/nix-cache")), root);
            for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind")) {
                DesiredRunnerSet desired = render("containerMode: " + mode + "\n" + TWO_CACHES, facts);
                actual.set(root + " " + mode + ": cache- entries of spec.template.spec.volumes",
                        cacheEntries(podSpec(desired).path("volumes")));
                if (!mode.equals("dind")) {
                    actual.set(root + " " + mode + ": hook template spec.volumes",
                            hookTemplateContent(desired).path("spec").path("volumes"));
                }
            }
        }
        assertGolden("cacheNodeRootWithATrailingSlashIsNormalized", actual);
        // rendering does not depend on how the root was spelled
        assertEquals(SERIALIZATION.asJson(render(TWO_CACHES, facts(30, "/srv/arc-cache")).allObjects()),
                SERIALIZATION.asJson(render(TWO_CACHES, facts(30, "/srv/arc-cache/")).allObjects()));
    }

    @Test
    void cacheVolumeNamesAreValidDnsLabelsForTheLongestAcceptedCacheName() {
        // "cache-" plus the name must still be a volume name (a DNS label of at most 63 characters)
        String name = "c".repeat(57);
        ObjectNode actual = JSON.createObjectNode();
        for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind")) {
            JsonNode pod = podSpec(render("containerMode: " + mode + "\ncachePaths:\n  - name: " + name + "\n    path: /cache\n"));
            for (JsonNode volume : pod.path("volumes")) {
                String volumeName = volume.path("name").asText();
                assertTrue(volumeName.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && volumeName.length() <= 63,
                        mode + ": " + volumeName);
            }
            actual.set(mode + ": cache- entries of spec.template.spec.containers[runner].volumeMounts",
                    cacheEntries(container(pod.path("containers"), "runner").path("volumeMounts")));
        }
        assertGolden("cacheVolumeNamesAreValidDnsLabelsForTheLongestAcceptedCacheName", actual);
    }

    @Test
    void desiredHashesFollowTheCaches() {
        for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind")) {
            String fields = "containerMode: " + mode + "\n";
            DesiredRunnerSet base = render(fields);
            DesiredRunnerSet twoCaches = render(fields + TWO_CACHES);
            DesiredRunnerSet otherRoot = render(fields, facts(30, "/srv/other"));
            assertNotEquals(desiredHash(base.autoscalingRunnerSet()), desiredHash(twoCaches.autoscalingRunnerSet()), mode);
            assertNotEquals(desiredHash(base.autoscalingRunnerSet()), desiredHash(otherRoot.autoscalingRunnerSet()), mode);
            if (!mode.equals("dind")) {
                assertNotEquals(desiredHash(companion(base, ConfigMap.class, HOOK_TEMPLATE)),
                        desiredHash(companion(twoCaches, ConfigMap.class, HOOK_TEMPLATE)), mode);
                assertNotEquals(desiredHash(companion(base, ConfigMap.class, HOOK_TEMPLATE)),
                        desiredHash(companion(otherRoot, ConfigMap.class, HOOK_TEMPLATE)), mode);
            }
            // maxCacheSize is arcfleet's own business: it renders nothing, so it restarts no listener
            DesiredRunnerSet limited = render(fields + "maxCacheSize: 20Gi\n");
            for (int i = 0; i < base.allObjects().size(); i++) {
                assertEquals(SERIALIZATION.asJson(base.allObjects().get(i)), SERIALIZATION.asJson(limited.allObjects().get(i)),
                        mode + " " + names(base.allObjects()).get(i));
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---------------------------------------------------------------- GitHub Secret

    @Test
    void tokenSecretHoldsOnlyTheToken() {
        Secret secret = companion(RunnerSetRenderer.render(set(""), FACTS, TOKEN), Secret.class, SET + "-gha-rs-github-secret");
        assertEquals(Map.of("github_token", b64("ghp_supersecret123")), secret.getData());
        assertTrue(secret.getStringData() == null || secret.getStringData().isEmpty());
        assertTrue(secret.getType() == null || secret.getType().equals("Opaque"), secret.getType());
    }

    @Test
    void appSecretHoldsOnlyTheAppFields() {
        Secret secret = companion(RunnerSetRenderer.render(set(""), FACTS, APP), Secret.class, SET + "-gha-rs-github-secret");
        assertEquals(Map.of(
                "github_app_id", b64("12345"),
                "github_app_installation_id", b64("67890"),
                "github_app_private_key", b64(PRIVATE_KEY)), secret.getData());
        assertFalse(secret.getData().containsKey("github_token"));
        assertTrue(secret.getStringData() == null || secret.getStringData().isEmpty());
    }

    @Test
    void credentialsToStringNeverRevealsSecrets() {
        String token = TOKEN.toString();
        assertFalse(token.contains("ghp_supersecret123"), token);
        assertFalse(token.contains(b64("ghp_supersecret123")), token);
        String app = APP.toString();
        assertFalse(app.contains("secretkeymaterial"), app);
        assertFalse(app.contains("PRIVATE KEY"), app);
        assertFalse(app.contains(b64(PRIVATE_KEY)), app);
    }

    // ---------------------------------------------------------------- determinism and the desired hash

    @Test
    void renderingTwiceGivesEqualJson() {
        for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind")) {
            String fields = "containerMode: " + mode + "\nrunnerGroup: builders\nmaxRunners: 3\n";
            DesiredRunnerSet first = RunnerSetRenderer.render(set(fields), FACTS, APP);
            DesiredRunnerSet second = RunnerSetRenderer.render(set(fields), FACTS, APP);
            List<HasMetadata> a = first.allObjects();
            List<HasMetadata> b = second.allObjects();
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(SERIALIZATION.asJson(a.get(i)), SERIALIZATION.asJson(b.get(i)), mode + " " + names(a).get(i));
            }
        }
    }

    /** Annotations whose JSON holds braces, quotes and backslashes, on all objects and on some alone. */
    private static final String ESCAPED_ANNOTATIONS = """
            annotations: {example.com/a: "}{\\"metadata\\":{\\"annotations\\":{}}", example.com/b: "back\\\\slash \\" ü"}
            resourceMeta:
              githubConfigSecret: {annotations: {example.com/c: "}"}}
              autoscalingRunnerSet: {annotations: {example.com/d: "\\\\\\"}"}}
            """;

    /** A changed hash makes every daemon upgraded to this one rewrite every object it applied. */
    @Test
    void desiredHashesAreThoseEarlierReleasesApplied() {
        assertEquals(List.of(
                "d704773ac8c3e284888456488efa14d8b88138764b1ebb3637d37584d8e30047",
                "f3493b1c2388259aa1a6bfc96a63a82dc11bac66a1e25e98af63ab19fa246774",
                "b8d69f1c1cdf5f26b288495ab4f180e52830d8efcdccb4863885dca442d037de",
                "75e8322711c2458ff5bf1d4734f6bd19ef3e318675fcbc5945e3c1a580760d18",
                "d807768ced3d8d4883fdfb24a3bdfd65d3c0d03eb73cfdb3f6609954c6c178b1",
                "d57e21f2a3aafd329b9fedc96b5aeaa8a35cef12cbfe9489d7727eaa96fe0f78",
                "c11d7ce98f674f9730084b3bcf8fd6f398e922425b1e9e0b95f29cb3be635fa7",
                "cc22dba11a3274cf7c6e9956893a5ea5fca4fe1df1ff7eb5e2dca622e908188b"), desiredHashes(render("")));
        assertEquals("91fb2c13a7da8a5ef5234ae6f5c88a488d9897502a99c36b4781010b09ba541",
                render("").autoscalingRunnerSet().getMetadata().getAnnotations().get("actions.github.com/values-hash"));
        assertEquals(List.of(
                "af711c8239846de94dafd3abf894518e36d71df98c36ed10f4359d8b5655b80c",
                "c7e5fbffc9ee30f8dbacc046a509726a3e68040a859a1492b49bab9c2560792e",
                "876605139fd845640e74f335e297dacde95ac81fe28d523f35d8223c5d234ca5",
                "610bc0553890a57c572c823a6efd462d2a8e80cad74e74688f81897741435dba",
                "e359bb65d90f06162331905185b4acee79286070c3c2a0b634132dd5908cf8f2",
                "af1c6a9e629af7c9cf4d86631aa6caf0eb2ad57861b44521f9c880cdf32d3cde",
                "70df37fd4d6ac1720a845cf10fe4f611a8222b82159ec2059c393acfca3d024e",
                "5987508986de656c6995026a0874f850be679195e1d311ddb023522d8f336bf2"), desiredHashes(render(ESCAPED_ANNOTATIONS)));
    }

    private static List<String> desiredHashes(DesiredRunnerSet desired) {
        return desired.allObjects().stream().map(RunnerSetRendererTest::desiredHash).toList();
    }

    private static String desiredHash(HasMetadata object) {
        return object.getMetadata().getAnnotations().get("arcfleet.dev/desired-hash");
    }

    @Test
    void desiredHashChangesWhenMaxRunnersChanges() {
        DesiredRunnerSet three = render("maxRunners: 3\n");
        DesiredRunnerSet four = render("maxRunners: 4\n");
        assertNotEquals(desiredHash(three.autoscalingRunnerSet()), desiredHash(four.autoscalingRunnerSet()));
        assertNotEquals(three.autoscalingRunnerSet().getMetadata().getAnnotations().get("actions.github.com/values-hash"),
                four.autoscalingRunnerSet().getMetadata().getAnnotations().get("actions.github.com/values-hash"));
        // companions do not depend on maxRunners
        for (int i = 0; i < three.companions().size(); i++) {
            assertEquals(desiredHash(three.companions().get(i)), desiredHash(four.companions().get(i)),
                    names(three.companions()).get(i));
        }
    }

    @Test
    void desiredHashChangesForOtherFields() {
        String base = desiredHash(render("").autoscalingRunnerSet());
        for (String change : List.of("minRunners: 1\n", "runnerGroup: builders\n", "runnerImage: other:1\n",
                "containerMode: dind\n", "workVolumeClaimTemplate:\n  storage: 11Gi\n")) {
            assertNotEquals(base, desiredHash(render(change).autoscalingRunnerSet()), change);
        }
    }

    @Test
    void desiredHashIsStableForTheSameInput() {
        DesiredRunnerSet first = render("maxRunners: 3\n");
        DesiredRunnerSet second = render("maxRunners: 3\n");
        for (int i = 0; i < first.allObjects().size(); i++) {
            assertEquals(desiredHash(first.allObjects().get(i)), desiredHash(second.allObjects().get(i)));
        }
        // an explicit default is the same desired state as an omitted one
        assertEquals(desiredHash(render("").autoscalingRunnerSet()),
                desiredHash(render("maxRunners: 1\nminRunners: 0\ncontainerMode: kubernetes\n").autoscalingRunnerSet()));
        // other repositories in the file do not matter
        RunnerSet alone = set("repositories:\n  - name: acme/widgets\n", 0);
        RunnerSet withOthers = set("repositories:\n  - name: acme/other\n  - name: acme/widgets\n", 1);
        assertEquals(desiredHash(RunnerSetRenderer.render(alone, FACTS, TOKEN).autoscalingRunnerSet()),
                desiredHash(RunnerSetRenderer.render(withOthers, FACTS, TOKEN).autoscalingRunnerSet()));
    }

    @Test
    void secretHashChangesWithTheCredentials() {
        DesiredRunnerSet token = RunnerSetRenderer.render(set(""), FACTS, TOKEN);
        DesiredRunnerSet otherToken = RunnerSetRenderer.render(set(""), FACTS, new GithubCredentials.Token("ghp_rotated"));
        String name = SET + "-gha-rs-github-secret";
        assertNotEquals(desiredHash(companion(token, Secret.class, name)), desiredHash(companion(otherToken, Secret.class, name)));
        assertEquals(desiredHash(token.autoscalingRunnerSet()), desiredHash(otherToken.autoscalingRunnerSet()));
    }

    @Test
    void valuesHashCoversTheCredentialsWithoutCarryingThem() {
        String tokenOne = "ghp_first_token_value";
        String tokenTwo = "ghp_second_token_value";
        DesiredRunnerSet one = RunnerSetRenderer.render(set(""), FACTS, new GithubCredentials.Token(tokenOne));
        DesiredRunnerSet two = RunnerSetRenderer.render(set(""), FACTS, new GithubCredentials.Token(tokenTwo));
        String hashOne = one.autoscalingRunnerSet().getMetadata().getAnnotations().get("actions.github.com/values-hash");
        String hashTwo = two.autoscalingRunnerSet().getMetadata().getAnnotations().get("actions.github.com/values-hash");

        assertNotEquals(hashOne, hashTwo, "ARC recreates the listener only when this changes");
        assertEquals(63, hashOne.length(), "truncated as the chart truncates it");
        assertEquals(hashOne, RunnerSetRenderer.render(set(""), FACTS, new GithubCredentials.Token(tokenOne))
                .autoscalingRunnerSet().getMetadata().getAnnotations().get("actions.github.com/values-hash"));
        String ars = SERIALIZATION.asJson(one.autoscalingRunnerSet());
        assertFalse(ars.contains(tokenOne) || ars.contains(java.util.Base64.getEncoder().encodeToString(tokenOne.getBytes())),
                "the AutoscalingRunnerSet must not carry the credentials");
    }
}
