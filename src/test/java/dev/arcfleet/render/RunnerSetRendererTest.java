package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

import dev.arcfleet.config.FleetConfigParser;
import dev.arcfleet.config.InvalidFleetConfigException;
import dev.arcfleet.config.RunnerSet;
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
    private static final ArcController CONTROLLER = new ArcController(ARC_VERSION, "arc-gha-rs-controller", "arc-systems");
    private static final ClusterFacts FACTS = new ClusterFacts(NAMESPACE, "https://github.example.com", CONTROLLER, 30);
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_supersecret123");
    private static final String PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END RSA PRIVATE KEY-----";
    private static final GithubCredentials APP = new GithubCredentials.App("12345", "67890", PRIVATE_KEY);

    private static final String SET = "arc-runner-acme-widgets-1";
    private static final String CLEANUP_FINALIZER = "actions.github.com/cleanup-protection";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
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

    @Test
    void runnerGroupIsRenderedWhenSet() {
        JsonNode spec = arsSpec(render("runnerGroup: builders\n"));
        assertEquals("builders", spec.path("runnerGroup").asText());
    }

    @Test
    void githubConfigUrlHasNoTrailingSlashEvenIfClusterFactsGotOne() {
        for (String url : List.of("https://github.example.com/", "https://github.example.com//")) {
            ClusterFacts facts = new ClusterFacts(NAMESPACE, url, CONTROLLER, 30);
            DesiredRunnerSet desired = RunnerSetRenderer.render(set(""), facts, TOKEN);
            assertEquals("https://github.example.com/acme/widgets", arsSpec(desired).path("githubConfigUrl").asText());
        }
        ClusterFacts github = new ClusterFacts(NAMESPACE, "https://github.com/", CONTROLLER, 30);
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
        assertEquals(parse("[\"/home/runner/run.sh\"]"), runner.path("command"));

        assertEquals(parse("""
                [
                  {"name": "ACTIONS_RUNNER_CONTAINER_HOOKS", "value": "/home/runner/k8s/index.js"},
                  {"name": "ACTIONS_RUNNER_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                  {"name": "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "value": "true"}
                ]
                """), runner.path("env"));
        assertEquals(parse("[{\"name\": \"work\", \"mountPath\": \"/home/runner/_work\"}]"), runner.path("volumeMounts"));

        assertEquals(parse("""
                [
                  {"name": "work",
                   "ephemeral": {"volumeClaimTemplate": {"spec": {
                      "accessModes": ["ReadWriteOnce"],
                      "storageClassName": "fast-ssd",
                      "resources": {"requests": {"storage": "20Gi"}}
                   }}}}
                ]
                """), pod.path("volumes"));
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
                "Secret/" + SET + "-gha-rs-github-secret"), names(desired.companions()));
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
                rule("", "pods", "get", "list", "create", "delete", "update", "patch"),
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
                rule("", "pods", "create", "delete", "get", "update", "patch"),
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
            // and every companion is released by some annotation
            for (String name : companionNames) {
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
                assertEquals(List.of(CLEANUP_FINALIZER), companion.getMetadata().getFinalizers(),
                        mode + ": " + companion.getKind() + "/" + companion.getMetadata().getName());
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
        assertEquals(parse("[\"/home/runner/run.sh\"]"), runner.path("command"));
        assertEquals(parse("""
                [
                  {"name": "ACTIONS_RUNNER_CONTAINER_HOOKS", "value": "/home/runner/k8s-novolume/index.js"},
                  {"name": "ACTIONS_RUNNER_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                  {"name": "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "value": "true"},
                  {"name": "ACTIONS_RUNNER_IMAGE", "value": "ghcr.io/acme/runner:3"}
                ]
                """), runner.path("env"));
        assertTrue(runner.path("volumeMounts").isMissingNode() || runner.path("volumeMounts").isEmpty(), runner.toString());
        assertTrue(pod.path("initContainers").isMissingNode() || pod.path("initContainers").isEmpty(), pod.toString());
    }

    @Test
    void kubernetesNovolumeTemplateHasAnExplicitEmptyVolumesListInTheSpecMap() {
        Map<String, Object> pod = podSpecMap(render("containerMode: kubernetes-novolume\n"));
        assertTrue(pod.containsKey("volumes"), "template.spec has no 'volumes' key: " + pod.keySet());
        assertEquals(List.of(), pod.get("volumes"));
    }

    @Test
    void kubernetesNovolumeTemplateSerializesAnExplicitEmptyVolumesList() {
        GenericKubernetesResource ars = render("containerMode: kubernetes-novolume\n").autoscalingRunnerSet();
        JsonNode volumes = json(ars).path("spec").path("template").path("spec").path("volumes");
        assertTrue(volumes.isArray(), "serialized template.spec.volumes should be [] but is " + volumes);
        assertEquals(0, volumes.size());
        String yaml = new KubernetesSerialization().asYaml(ars);
        assertTrue(yaml.contains("volumes: []"), yaml);
    }

    @Test
    void kubernetesNovolumeRoleHasNoJobsRule() {
        DesiredRunnerSet desired = render("containerMode: kubernetes-novolume\n");
        Role role = companion(desired, Role.class, SET + "-gha-rs-kube-mode");
        assertEquals(List.of(
                rule("", "pods", "get", "list", "create", "delete", "update", "patch"),
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
        ClusterFacts facts = new ClusterFacts(NAMESPACE, "https://github.example.com", CONTROLLER, kubernetesMinorVersion);
        return RunnerSetRenderer.render(set("containerMode: dind\nrunnerImage: ghcr.io/acme/runner:4\n"), facts, TOKEN);
    }

    private static final String DIND_EXPECTED_BASE = """
            {"name": "dind", "image": "docker:dind",
             "args": ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"],
             "env": [{"name": "DOCKER_GROUP_GID", "value": "123"}],
             "securityContext": {"privileged": true},
             "volumeMounts": [
               {"name": "work", "mountPath": "/home/runner/_work"},
               {"name": "dind-sock", "mountPath": "/var/run"},
               {"name": "dind-externals", "mountPath": "/home/runner/externals"}]
            """;

    @Test
    void dindIsANativeSidecarFromKubernetes129() {
        for (int minor : new int[] {29, 30, 33}) {
            JsonNode pod = podSpec(renderDind(minor));
            assertEquals(List.of("init-dind-externals", "dind"), containerNames(pod.path("initContainers")), "minor " + minor);
            assertEquals(List.of("runner"), containerNames(pod.path("containers")), "minor " + minor);
            JsonNode dind = container(pod.path("initContainers"), "dind");
            assertEquals(parse(DIND_EXPECTED_BASE + """
                    , "restartPolicy": "Always",
                      "startupProbe": {"exec": {"command": ["docker", "info"]},
                                       "initialDelaySeconds": 0, "failureThreshold": 24, "periodSeconds": 5}}
                    """), dind);
        }
    }

    @Test
    void dindIsASecondContainerBeforeKubernetes129() {
        for (int minor : new int[] {27, 28}) {
            JsonNode pod = podSpec(renderDind(minor));
            assertEquals(List.of("init-dind-externals"), containerNames(pod.path("initContainers")), "minor " + minor);
            assertEquals(List.of("runner", "dind"), containerNames(pod.path("containers")), "minor " + minor);
            JsonNode dind = container(pod.path("containers"), "dind");
            assertEquals(parse(DIND_EXPECTED_BASE + "}"), dind);
            assertFalse(dind.has("restartPolicy"));
            assertFalse(dind.has("startupProbe"));
        }
    }

    @Test
    void dindPodTemplate() {
        JsonNode pod = podSpec(renderDind(30));
        assertEquals("Never", pod.path("restartPolicy").asText());
        assertEquals(SET + "-gha-rs-no-permission", pod.path("serviceAccountName").asText());
        assertEquals(parse("""
                {"name": "init-dind-externals", "image": "ghcr.io/acme/runner:4", "command": ["cp"],
                 "args": ["-r", "/home/runner/externals/.", "/home/runner/tmpDir/"],
                 "volumeMounts": [{"name": "dind-externals", "mountPath": "/home/runner/tmpDir"}]}
                """), container(pod.path("initContainers"), "init-dind-externals"));
        assertEquals(parse("""
                {"name": "runner", "image": "ghcr.io/acme/runner:4", "command": ["/home/runner/run.sh"],
                 "env": [{"name": "DOCKER_HOST", "value": "unix:///var/run/docker.sock"},
                         {"name": "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "value": "120"}],
                 "volumeMounts": [{"name": "work", "mountPath": "/home/runner/_work"},
                                  {"name": "dind-sock", "mountPath": "/var/run"}]}
                """), container(pod.path("containers"), "runner"));
        assertEquals(parse("""
                [{"name": "dind-sock", "emptyDir": {}},
                 {"name": "dind-externals", "emptyDir": {}},
                 {"name": "work", "emptyDir": {}}]
                """), pod.path("volumes"));
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
}
