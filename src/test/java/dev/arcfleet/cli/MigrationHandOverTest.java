package dev.arcfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcController;
import dev.arcfleet.migrate.ClusterImport;
import dev.arcfleet.migrate.Finding;
import dev.arcfleet.migrate.HelmMadeSet;
import dev.arcfleet.migrate.RepositoriesFromValues;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.HelmReleases;
import dev.arcfleet.testing.Kubectl;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * The migration runbook of docs/migrating-from-helm.md on three sets the chart made (hand-written chart output, see
 * {@code src/test/resources/helm/}, and Helm's release records), registered by the ARC stand-in: import, then the
 * hand-over commands it prints (arcfleet claims by label, Helm forgets by its records), reconcile. Nothing may be deregistered or deleted, and the sets' specs may change only where the import
 * report says they will.
 */
class MigrationHandOverTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> TOOLS = List.of("arc-runner-acme-tools-1", "arc-runner-acme-tools-2");
    private static final String WEB = "arc-runner-acme-web-1";
    /** Import's command by which arcfleet claims a set's objects. */
    private static final Pattern CLAIM = Pattern.compile(" label .* -l actions.github.com/scale-set-name=([^,]+),");

    @Test
    void helmMadeSetsAreImportedAndHandedOverWithoutDeregistrationOrUnreportedChanges() {
        try (FleetFixture fleet = FleetFixture.create("migrate")) {
            ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
            List<String> sets = new ArrayList<>(TOOLS);
            sets.add(WEB);
            TOOLS.forEach(set -> HelmReleases.install(fleet, "kubernetes-mode-release.yaml", set, HelmReleases.KUBERNETES_MODE_VALUES));
            HelmReleases.install(fleet, "dind-mode-release.yaml", WEB, HelmReleases.DIND_MODE_VALUES);
            Poll.until(FleetFixture.TIMEOUT, "ARC to register the Helm-made sets",
                    () -> sets.stream().allMatch(fleet::registeredByArc));
            Map<String, GenericKubernetesResource> before = runnerSets(fleet, sets);

            // 1. arcfleet import, as the command runs it against the cluster
            ClusterFacts facts = new ClusterFacts(fleet.namespace, "https://github.com", new ArcController(
                    FleetFixture.ARC_VERSION, ArcFixtures.CONTROLLER_SERVICE_ACCOUNT, fleet.controllerNamespace()), 20,
                    fleet.settings.cache().nodeRoot(), dev.arcfleet.settings.Owner.of(fleet.settings).value());
            List<HelmMadeSet> helmMade = ImportCommand.helmMadeSets(fleet.client, fleet.namespace);
            List<Finding> readingRecords = new ArrayList<>();
            ClusterImport.Result result = ClusterImport.of(fleet.namespace, helmMade,
                    ImportCommand.releaseRecords(fleet.client, fleet.namespace, readingRecords),
                    new RepositoriesFromValues.Settings("https://github.com", "arcfleet-github", "arcfleet",
                            "arcfleet.github.credentials-namespace", fleet.namespace), facts);
            RepositoriesFromValues.Result imported = result.imported();
            assertEquals(List.of(), readingRecords);

            assertEquals(yaml("""
                    repositories:
                      - name: acme/tools
                        instances: 2
                        containerMode: kubernetes
                        runnerImage: ghcr.io/actions/actions-runner:2.321.0
                        minRunners: 0
                        maxRunners: 2
                        workVolumeClaimTemplate: {storageClassName: standard, accessModes: [ReadWriteOnce], storage: 5Gi}
                        labels: {team: ci}
                        template:
                          spec:
                            nodeSelector: {kubernetes.io/os: linux}
                            containers: [{name: runner, command: [/home/runner/run.sh], resources: {requests: {cpu: 500m}}}]
                      - name: acme/web
                        instances: 1
                        containerMode: dind
                        maxRunners: 3
                        runnerGroup: web
                        annotations: {example.com/owner: web-team}
                        template:
                          spec:
                            containers: [{name: runner, command: [/home/runner/run.sh], resources: {limits: {memory: 8Gi}}}]
                    """), imported.repositories());
            List<String> report = imported.findings().stream().map(Finding::toString).toList();
            String tools1 = "arc-runner-acme-tools-1: changes on hand over: ";
            String web = WEB + ": changes on hand over: ";
            String toolsPod = "AutoscalingRunnerSet/arc-runner-acme-tools-1 spec.template.spec";
            String webPod = "AutoscalingRunnerSet/" + WEB + " spec.template.spec";
            for (String expected : List.of(
                    "arc-runner-acme-tools-1: values from: release arc-runner-acme-tools-1 (namespace " + fleet.namespace
                            + ", revision 1, chart gha-runner-scale-set 0.13.0, record"
                            + " sh.helm.release.v1.arc-runner-acme-tools-1.v1) (githubConfigUrl, githubConfigSecret,"
                            + " minRunners, maxRunners, containerMode, labels, template)",
                    tools1 + "ConfigMap/arc-runner-acme-tools-1-hook-template (created: Helm made no such object)",
                    tools1 + "AutoscalingRunnerSet/arc-runner-acme-tools-1 spec.runnerScaleSetName (added)",
                    tools1 + toolsPod + ".containers[runner].env[ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE] (added)",
                    tools1 + toolsPod + ".containers[runner].volumeMounts[cache-cache] (added)",
                    tools1 + toolsPod + ".containers[runner].volumeMounts[hook-template] (added)",
                    tools1 + toolsPod + ".volumes[cache-cache] (added)",
                    tools1 + toolsPod + ".volumes[hook-template] (added)",
                    web + "AutoscalingRunnerSet/" + WEB + " spec.minRunners (added)",
                    web + webPod + ".containers[dind].volumeMounts[cache-cache] (added)",
                    web + webPod + ".volumes[cache-cache] (added)",
                    "arc-runner-acme-tools-1: to do: githubConfigSecret (credentials in values are not imported; arcfleet"
                            + " copies them from Secret arcfleet-github (arcfleet.github.credentials-secret) into"
                            + " arc-runner-acme-tools-1-gha-rs-github-secret, the Secret the chart made: create it with the"
                            + " same token or GitHub App first)")) {
                assertTrue(report.contains(expected), "report lacks '" + expected + "':\n" + String.join("\n", report));
            }
            assertEquals(List.of(), imported.findings().stream().filter(finding -> finding.kind() == Finding.Kind.NOT_IMPORTED
                    || finding.kind() == Finding.Kind.NOT_RENDERED_BY_ARCFLEET).toList());

            // 2. The ConfigMap alone changes nothing: each Helm-made set is in the way of arcfleet's.
            fleet.writeRepositories(asYaml(imported.repositories()));
            fleet.converge();
            assertEquals(before.keySet(), runnerSets(fleet, sets).keySet());
            runnerSets(fleet, sets).forEach((name, set) -> assertEquals(before.get(name).getMetadata().getResourceVersion(),
                    set.getMetadata().getResourceVersion(), name + " was touched before the hand-over"));

            // 3. The hand-over's commands, per release in the order import prints them.
            List<String> commands = result.handOver().stream().map(String::strip).filter(line -> line.startsWith("kubectl "))
                    .toList();
            assertEquals(2 * sets.size(), commands.size(), String.join("\n", result.handOver()));
            for (String command : commands) {
                Kubectl.run(command.substring("kubectl ".length()).split(" "));
                Matcher claimed = CLAIM.matcher(command);
                if (claimed.find()) {
                    // arcfleet claimed the set while Helm still records it: the daemon holds it.
                    String set = claimed.group(1);
                    assertEquals(SetStatus.Reason.HELM_RELEASE_STILL_OWNS, fleet.converge().last().sets().stream()
                            .filter(status -> status.name().equals(set)).findFirst().orElseThrow().reason());
                }
            }
            FleetFixture.Converged converged = fleet.converge();

            assertEquals(List.of(), converged.last().sets().stream().filter(set -> set.state() != SetStatus.State.READY)
                    .toList());
            Poll.until(FleetFixture.TIMEOUT, "ARC to run a listener for every handed-over set",
                    () -> sets.stream().allMatch(fleet::registeredByArc));
            assertEquals(List.of(), arc.deregistered, "nothing deregistered from GitHub");
            assertEquals(List.of(), arc.deletedOnVersionMismatch);
            assertEquals(List.of(), TestApiServer.auditedRequests(fleet.namespace).stream()
                    .filter(line -> line.contains("\"verb\":\"delete\"") && line.contains("\"resource\":\"autoscalingrunnersets\""))
                    .toList(), "no AutoscalingRunnerSet deleted");
            Map<String, GenericKubernetesResource> after = runnerSets(fleet, sets);
            for (String set : sets) {
                assertEquals(before.get(set).getMetadata().getUid(), after.get(set).getMetadata().getUid());
                assertEquals(annotation(before.get(set), ArcControllerStandIn.SCALE_SET_ID_ANNOTATION),
                        annotation(after.get(set), ArcControllerStandIn.SCALE_SET_ID_ANNOTATION), "the same scale set on GitHub");
                for (String path : differingPaths("AutoscalingRunnerSet/" + set + " spec", spec(before.get(set)),
                        spec(after.get(set)))) {
                    assertTrue(imported.findings().stream().anyMatch(finding -> finding.set().equals(set)
                            && (path.equals(finding.subject()) || path.startsWith(finding.subject() + ".")
                                    || path.startsWith(finding.subject() + "["))),
                            set + ": " + path + " changed, but the import report does not name it:\n" + String.join("\n", report));
                }
                assertNull(after.get(set).getMetadata().getAnnotations().get("meta.helm.sh/release-name"));
            }
            assertEquals(List.of(), fleet.client.secrets().inNamespace(fleet.namespace).withLabel("owner", "helm").list()
                    .getItems(), "Helm's release records are gone, so helm uninstall no longer knows the releases");
        }
    }

    private static Map<String, GenericKubernetesResource> runnerSets(FleetFixture fleet, List<String> names) {
        Map<String, GenericKubernetesResource> sets = new LinkedHashMap<>();
        for (String name : names) {
            sets.put(name, fleet.runnerSets().inNamespace(fleet.namespace).withName(name).get());
        }
        return sets;
    }

    private static JsonNode spec(GenericKubernetesResource set) {
        return JSON.valueToTree(set.getAdditionalProperties().get("spec"));
    }

    private static String annotation(GenericKubernetesResource set, String key) {
        return set.getMetadata().getAnnotations().get(key);
    }

    /**
     * Leaf paths whose values differ, in the report's notation (named list items by name); written apart from
     * the import's own comparison so that it checks it.
     */
    static List<String> differingPaths(String path, JsonNode before, JsonNode after) {
        List<String> paths = new ArrayList<>();
        Map<String, JsonNode> left = new LinkedHashMap<>();
        Map<String, JsonNode> right = new LinkedHashMap<>();
        flatten(path, before, left);
        flatten(path, after, right);
        right.forEach((key, value) -> {
            if (!value.equals(left.get(key))) {
                paths.add(key);
            }
        });
        left.keySet().stream().filter(key -> !right.containsKey(key)).forEach(paths::add);
        return paths;
    }

    private static void flatten(String path, JsonNode node, Map<String, JsonNode> leaves) {
        if (node.isObject() && !node.isEmpty()) {
            node.fields().forEachRemaining(entry -> flatten(path + "." + entry.getKey(), entry.getValue(), leaves));
        } else if (node.isArray() && !node.isEmpty()) {
            for (int index = 0; index < node.size(); index++) {
                JsonNode item = node.get(index);
                flatten(path + "[" + (item.path("name").isTextual() ? item.get("name").asText() : index) + "]", item, leaves);
            }
        } else {
            leaves.put(path, node);
        }
    }

    private static String asYaml(JsonNode tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            return fail(e);
        }
    }
}
