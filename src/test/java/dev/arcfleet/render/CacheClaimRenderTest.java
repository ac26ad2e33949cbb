package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcController;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * A set whose caches live in a claim: the claim, and each cache a subPath of it wherever a hostPath cache is mounted
 * (runner, dind sidecar, the hook template's job container), with no cache hostPath left.
 */
class CacheClaimRenderTest {

    private static final String SET = "arc-runner-acme-widgets-1";
    private static final ClusterFacts FACTS = new ClusterFacts("arc-runners", "https://github.example.com",
            new ArcController("0.13.1", "arc-gha-rs-controller", "arc-systems"), 30, "/tmp/github-runner-cache",
            "arc-runners.arcfleet-repositories");
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_supersecret123");
    private static final String CLAIM = """
            cacheVolume: {type: persistentVolumeClaim, storageClassName: standard, storage: 20Gi}
            cachePaths:
              - {name: gradle, path: /home/runner/.gradle}
              - {name: tool-cache, path: /opt/hostedtoolcache}
            """;
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DesiredRunnerSet render(String fields) {
        return RunnerSetRenderer.render(OneSet.of(fields), FACTS, TOKEN);
    }

    private static JsonNode json(Object object) {
        return JSON.valueToTree(SERIALIZATION.convertValue(object, java.util.Map.class));
    }

    private static JsonNode named(JsonNode list, String name) {
        for (JsonNode item : list) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        return fail("no " + name + " in " + list);
    }

    @Test
    void oneClaimPerSetWithTheSetsLabelsAndNoArcFinalizer() {
        DesiredRunnerSet desired = render("containerMode: kubernetes\n" + CLAIM);
        List<HasMetadata> claims = desired.companions().stream().filter(PersistentVolumeClaim.class::isInstance).toList();
        assertEquals(1, claims.size(), claims.toString());
        PersistentVolumeClaim claim = (PersistentVolumeClaim) claims.get(0);
        assertEquals(SET + "-cache", claim.getMetadata().getName());
        assertEquals(RunnerSetRenderer.cacheClaimName(SET), claim.getMetadata().getName());
        assertEquals("arc-runners", claim.getMetadata().getNamespace());
        ConfigMap hookTemplate = (ConfigMap) desired.companions().stream()
                .filter(object -> object.getMetadata().getName().equals(RunnerSetRenderer.hookTemplateName(SET))).findFirst()
                .orElseThrow();
        assertEquals(hookTemplate.getMetadata().getLabels(), claim.getMetadata().getLabels());
        assertEquals("arc-runners.arcfleet-repositories", claim.getMetadata().getLabels().get(Labels.OWNER));
        assertTrue(claim.getMetadata().getFinalizers() == null
                || !claim.getMetadata().getFinalizers().contains(ArcKeys.CLEANUP_FINALIZER), claim.toString());
        // Created before the AutoscalingRunnerSet, which is applied after every companion.
        assertEquals(desired.companions().get(desired.companions().size() - 1), claim);
        ObjectNode actual = JSON.createObjectNode();
        actual.set("claim", json(claim));
        Goldens.assertMatches("CacheClaimRenderTest/oneClaimPerSetWithTheSetsLabelsAndNoArcFinalizer", actual);
    }

    @Test
    void defaultClassAndAccessModesLeaveTheClassToTheCluster() {
        PersistentVolumeClaim claim = (PersistentVolumeClaim) render("cacheVolume: {type: persistentVolumeClaim, storage: 1Gi}")
                .companions().stream().filter(PersistentVolumeClaim.class::isInstance).findFirst().orElseThrow();
        assertEquals(null, claim.getSpec().getStorageClassName());
        assertEquals(List.of("ReadWriteOnce"), claim.getSpec().getAccessModes());
        assertEquals("1Gi", claim.getSpec().getResources().getRequests().get("storage").toString());
    }

    @Test
    void eachCacheIsASubPathOfTheClaimWhereverHostPathCachesAreMounted() throws Exception {
        ObjectNode actual = JSON.createObjectNode();
        for (String mode : List.of("kubernetes", "kubernetes-novolume", "dind", "none")) {
            DesiredRunnerSet desired = render("containerMode: " + mode + "\n" + CLAIM);
            JsonNode pod = json(desired.autoscalingRunnerSet()).path("spec").path("template").path("spec");
            assertFalse(pod.toString().contains("hostPath"), mode + ": " + pod);
            JsonNode volume = named(pod.path("volumes"), "cache");
            assertEquals(SET + "-cache", volume.path("persistentVolumeClaim").path("claimName").asText(), mode);
            actual.set(mode + ": spec.template.spec.volumes[cache]", volume);
            actual.set(mode + ": spec.template.spec.containers[runner].volumeMounts",
                    named(pod.path("containers"), "runner").path("volumeMounts"));
            if (mode.equals("dind")) {
                actual.set(mode + ": spec.template.spec.initContainers[dind].volumeMounts",
                        named(pod.path("initContainers"), "dind").path("volumeMounts"));
            }
            if (mode.startsWith("kubernetes")) {
                String content = desired.companions().stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
                        .findFirst().orElseThrow().getData().get("content");
                assertFalse(content.contains("hostPath"), mode + ": " + content);
                actual.set(mode + ": hook template", new YAMLMapper().readTree(content));
            }
        }
        Goldens.assertMatches("CacheClaimRenderTest/eachCacheIsASubPathOfTheClaimWhereverHostPathCachesAreMounted", actual);
    }

    @Test
    void aHostPathSetHasNoClaim() {
        assertTrue(render("containerMode: dind").companions().stream().noneMatch(PersistentVolumeClaim.class::isInstance));
    }

    @Test
    void aTemplateVolumeNamedAsTheClaimsVolumeIsRefused() {
        InvalidFleetConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(InvalidFleetConfigException.class,
                () -> new FleetConfigParser().parse("repositories:\n  - name: acme/widgets\n" + (CLAIM
                        + "template: {spec: {volumes: [{name: cache, emptyDir: {}}]}}\n").indent(4)));
        assertEquals(List.of("repository acme/widgets: template.spec.volumes[0].name: 'cache' is the name of a volume"
                + " arcfleet adds (caches, hook template)"), refused.problems());
    }
}
