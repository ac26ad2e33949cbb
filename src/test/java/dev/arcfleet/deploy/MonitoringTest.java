package dev.arcfleet.deploy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * deploy/monitoring: promtool accepts the alert rules and their unit tests pass, every alert is shown
 * both firing and quiet, and the manifests point at what deploy/kubernetes runs.
 */
class MonitoringTest {

    static final Path MONITORING = Path.of("deploy/monitoring");
    static final Path RULES = MONITORING.resolve("arcfleet-rules.yaml");
    static final Path RULE_TESTS = MONITORING.resolve("arcfleet-rules-test.yaml");
    static final Path DASHBOARD = MONITORING.resolve("arcfleet-dashboard.json");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void promtoolAcceptsTheRules() throws IOException, InterruptedException {
        SystemdUnitTest.Result check = promtool("check", "rules", RULES.toString());

        assertEquals(0, check.exitCode(), check::output);
        assertThat(check.output(), containsString("SUCCESS: " + alerts().size() + " rules found"));
    }

    @Test
    void ruleUnitTestsPass() throws IOException, InterruptedException {
        SystemdUnitTest.Result test = promtool("test", "rules", RULE_TESTS.toString());

        assertEquals(0, test.exitCode(), test::output);
        assertThat(test.output(), containsString("SUCCESS"));
    }

    /**
     * promtool compares the alerts that fire with the expected ones exactly, so a case that expects
     * some shows the alert firing, and a case that expects none shows it quiet.
     */
    @Test
    void everyAlertIsTestedFiringAndQuiet() throws IOException {
        Map<String, List<JsonNode>> cases = new java.util.TreeMap<>();
        for (JsonNode test : YAML.readTree(RULE_TESTS.toFile()).path("tests")) {
            for (JsonNode alertTest : test.path("alert_rule_test")) {
                cases.computeIfAbsent(alertTest.path("alertname").asText(), name -> new ArrayList<>())
                        .add(alertTest.path("exp_alerts"));
            }
        }
        for (String alert : alerts()) {
            List<JsonNode> expected = cases.getOrDefault(alert, List.of());
            assertTrue(expected.stream().anyMatch(alerts -> alerts.size() > 0), alert + " is never tested firing");
            assertTrue(expected.stream().anyMatch(alerts -> alerts.isEmpty()), alert + " is never tested quiet");
        }
        assertEquals(alerts().stream().sorted().toList(), List.copyOf(cases.keySet()), "tests of alerts that do not exist");
    }

    @Test
    void prometheusRuleHoldsTheRulesFile() throws IOException {
        JsonNode rule = rendered("PrometheusRule", "arcfleet");

        assertEquals(YAML.readTree(RULES.toFile()), rule.path("spec"));
    }

    /** Prometheus Operator: ServiceMonitor → Service → the Deployment's pods and port. */
    @Test
    void serviceMonitorScrapesTheDaemonsMetrics() throws IOException {
        JsonNode monitor = rendered("ServiceMonitor", "arcfleet");
        JsonNode service = rendered("Service", "arcfleet");
        JsonNode deployment = documents(ShippedRbacTest.renderKustomization(ShippedRbacTest.KUSTOMIZATION)).stream()
                .filter(document -> document.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();

        assertTrue(contains(service.path("metadata").path("labels"), monitor.path("spec").path("selector").path("matchLabels")));
        assertEquals(monitor.path("metadata").path("namespace"), service.path("metadata").path("namespace"));
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals("/q/metrics", endpoint.path("path").asText());
        JsonNode servicePort = service.path("spec").path("ports").get(0);
        assertEquals(endpoint.path("port"), servicePort.path("name"));

        assertEquals(deployment.path("metadata").path("namespace"), service.path("metadata").path("namespace"));
        assertTrue(contains(deployment.path("spec").path("template").path("metadata").path("labels"),
                service.path("spec").path("selector")));
        List<String> containerPorts = new ArrayList<>();
        deployment.path("spec").path("template").path("spec").path("containers")
                .forEach(container -> container.path("ports").forEach(port -> containerPorts.add(port.path("name").asText())));
        assertTrue(containerPorts.contains(servicePort.path("targetPort").asText()), () -> "container ports " + containerPorts);
    }

    @Test
    void dashboardConfigMapHoldsTheDashboardForGrafanasSidecar() throws IOException {
        JsonNode configMap = rendered("ConfigMap", "arcfleet-dashboard");

        assertEquals("1", configMap.path("metadata").path("labels").path("grafana_dashboard").asText());
        assertEquals(Files.readString(DASHBOARD), configMap.path("data").path(DASHBOARD.getFileName().toString()).asText());
    }

    /** The alert names in the rules file. */
    static List<String> alerts() throws IOException {
        return ruleFields("alert");
    }

    /** Each rule's {@code field} (alert, expr) in the rules file, for the rules that have one. */
    static List<String> ruleFields(String field) throws IOException {
        List<String> values = new ArrayList<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has(field)) {
                    values.add(rule.path(field).asText());
                }
            }
        }
        return values;
    }

    static SystemdUnitTest.Result promtool(String... arguments) throws IOException, InterruptedException {
        String promtool = SystemdUnitTest.onPath("promtool").orElseThrow(() -> new AssertionError(
                "no promtool on PATH: the build installs it (src/test/scripts/install-promtool.sh, process-test-classes)"))
                .toString();
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(arguments));
        return SystemdUnitTest.run(Duration.ofMinutes(2), command.toArray(String[]::new));
    }

    private static JsonNode rendered(String kind, String name) throws IOException {
        return documents(ShippedRbacTest.renderKustomization(MONITORING)).stream()
                .filter(document -> document.path("kind").asText().equals(kind)
                        && document.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + MONITORING));
    }

    private static List<JsonNode> documents(String yaml) throws IOException {
        try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
            return YAML.readValues(parser, JsonNode.class).readAll().stream().filter(document -> !document.isNull())
                    .collect(Collectors.toList());
        }
    }

    private static boolean contains(JsonNode labels, JsonNode selector) {
        List<String> missing = new ArrayList<>();
        selector.fields().forEachRemaining(entry -> {
            if (!entry.getValue().equals(labels.path(entry.getKey()))) {
                missing.add(entry.getKey());
            }
        });
        return !selector.isEmpty() && missing.isEmpty();
    }
}
