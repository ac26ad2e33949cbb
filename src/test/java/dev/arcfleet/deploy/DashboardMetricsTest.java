package dev.arcfleet.deploy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.DaemonTestResource;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every PromQL expression of the dashboard, and of the alert rules, parses (promtool) and names only
 * metrics that a running daemon serves on /q/metrics, once its sets have runners and a cache limit.
 */
@QuarkusTest
@QuarkusTestResource(value = DaemonTestResource.class, restrictToAnnotatedClass = true)
class DashboardMetricsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SET = "arc-runner-acme-tools-1";
    /** DaemonTestResource's repositories, one with a cache limit so that arcfleet_cache_limit_bytes is served. */
    private static final String WITH_CACHE_LIMIT = """
            repositories:
              - name: rkoster/rubionic-workspace
                instances: 2
              - name: acme/tools
                maxCacheSize: 1Gi
            """;
    /** Grafana's interval variables, as durations promtool accepts; $set and the like appear inside strings only. */
    private static final Map<String, String> GRAFANA_INTERVALS = Map.of("$__rate_interval", "5m", "$__interval", "1m",
            "$__range", "1h");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*\\w+\\)");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.])[a-zA-Z_:][\\w:]*+(?!\\s*\\()");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "atan2");

    @Inject
    KubernetesClient client;

    @Inject
    Daemon loop;

    @ConfigProperty(name = "arcfleet.namespace")
    String namespace;

    @Test
    void everyExpressionParsesAndNamesOnlyServedMetrics() throws IOException, InterruptedException {
        List<String> expressions = dashboardExpressions();
        expressions.addAll(MonitoringTest.ruleFields("expr"));
        assertParses(expressions);
        Set<String> referenced = new TreeSet<>();
        expressions.forEach(expression -> referenced.addAll(metricNames(expression)));

        long startedAt = Instant.now().getEpochSecond();
        loop.start();
        client.resource(ArcFixtures.repositories(namespace, WITH_CACHE_LIMIT)).forceConflicts().serverSideApply();
        Poll.until(TIMEOUT, SET + " created", () -> client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS)
                .inNamespace(namespace).withName(SET).get() != null);
        // ARC's controller is a stand-in here; this is the status it would write.
        client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(SET)
                .editStatus(set -> {
                    set.setAdditionalProperty("status", Map.of("currentRunners", 1, "pendingEphemeralRunners", 0,
                            "runningEphemeralRunners", 1, "failedEphemeralRunners", 0, "phase", "Running"));
                    return set;
                });

        Set<String> missing = Poll.until(TIMEOUT, "every metric the dashboard and the rules name on /q/metrics", () -> {
            Set<String> notServed = new TreeSet<>(referenced);
            notServed.removeAll(servedMetrics());
            return notServed;
        }, Set::isEmpty);
        assertEquals(Set.of(), missing);
        // This daemon's, not a gauge left from one that an earlier test in this JVM started and stopped.
        double lastSuccess = Double.parseDouble(exposition().lines()
                .filter(line -> line.startsWith("arcfleet_reconcile_last_success_timestamp_seconds ")).findFirst()
                .orElseThrow().split(" ")[1]);
        assertTrue(lastSuccess >= startedAt, () -> "last success " + lastSuccess + " before this daemon started at " + startedAt);
    }

    /** The extraction the test relies on, on the shapes of PromQL the dashboard and rules use. */
    @Test
    void metricNamesAreFoundInEveryPartOfAnExpression() {
        assertEquals(Set.of("a_bucket", "b", "c:d", "e_total"), metricNames(
                "histogram_quantile(0.9, sum by (le, set) (rate(a_bucket{set=~\"$set\", x!='y'}[5m]))) / on (set) group_left (z) "
                        + "b offset 1h > bool 0.5 or max without (state) (c:d) and absent(e_total) unless time() - 3e2"));
    }

    /** All expr fields of the dashboard, wherever the panels nest them, and the templating queries' selectors. */
    private static List<String> dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(MonitoringTest.DASHBOARD.toFile());
        List<String> expressions = new ArrayList<>();
        for (JsonNode expression : dashboard.findValues("expr")) {
            expressions.add(expression.asText());
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            Matcher labelValues = LABEL_VALUES.matcher(query.isObject() ? query.path("query").asText() : query.asText());
            if (variable.path("type").asText().equals("query") && labelValues.matches()) {
                expressions.add(labelValues.group(1));
            }
        }
        assertFalse(expressions.isEmpty(), "no expressions found in " + MonitoringTest.DASHBOARD);
        return expressions;
    }

    /** promtool parses each expression as a recording rule of a generated rules file. */
    private static void assertParses(List<String> expressions) throws IOException, InterruptedException {
        ObjectMapper yaml = new YAMLMapper();
        ObjectNode file = yaml.createObjectNode();
        ObjectNode group = file.putArray("groups").addObject().put("name", "dashboard");
        ArrayNode rules = group.putArray("rules");
        for (int index = 0; index < expressions.size(); index++) {
            String expression = expressions.get(index);
            for (Map.Entry<String, String> interval : GRAFANA_INTERVALS.entrySet()) {
                expression = expression.replace(interval.getKey(), interval.getValue());
            }
            rules.addObject().put("record", "dashboard:expression_" + index).put("expr", expression);
        }
        Path rulesFile = Files.createTempFile("arcfleet-dashboard-rules", ".yaml");
        yaml.writeValue(rulesFile.toFile(), file);

        SystemdUnitTest.Result check = MonitoringTest.promtool("check", "rules", rulesFile.toString());

        assertEquals(0, check.exitCode(), () -> check.output() + "\nexpressions: " + expressions);
    }

    /**
     * The metric names an expression selects: identifiers that are not functions, aggregations,
     * keywords, label names in matchers or grouping clauses, or the units of durations and numbers.
     */
    static Set<String> metricNames(String expression) {
        String bare = STRING.matcher(expression).replaceAll("\"\"");
        bare = bare.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
        bare = GROUPING.matcher(bare).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            if (!KEYWORDS.contains(identifier.group().toLowerCase(java.util.Locale.ROOT))) {
                names.add(identifier.group());
            }
        }
        return names;
    }

    private static String exposition() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static Set<String> servedMetrics() {
        Set<String> names = new TreeSet<>();
        exposition().lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }
}
