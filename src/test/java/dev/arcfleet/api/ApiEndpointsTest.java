package dev.arcfleet.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.testing.DaemonTestResource;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@QuarkusTestResource(value = DaemonTestResource.class, restrictToAnnotatedClass = true)
class ApiEndpointsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SET = "arc-runner-rkoster-rubionic-workspace-1";

    @Inject
    KubernetesClient client;

    @Inject
    Daemon loop;

    @ConfigProperty(name = "arcfleet.namespace")
    String namespace;

    @ConfigProperty(name = "arcfleet.arc.controller-namespace")
    String controllerNamespace;

    @BeforeEach
    void startDaemonAndAwaitReady() {
        loop.start();
        Poll.until(TIMEOUT, "readiness", () -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void statusShowsEverySetWithArcsOwnViewAndNoSecret() {
        client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(SET)
                .editStatus(set -> {
                    set.setAdditionalProperty("status", Map.of("currentRunners", 1, "runningEphemeralRunners", 1,
                            "pendingEphemeralRunners", 0, "failedEphemeralRunners", 0));
                    return set;
                });
        GenericKubernetesResource listener = new GenericKubernetesResource();
        listener.setApiVersion("actions.github.com/v1alpha1");
        listener.setKind("AutoscalingListener");
        listener.setMetadata(new ObjectMetaBuilder().withName(SET + "-754b578d-listener").withNamespace(controllerNamespace)
                .addToLabels("actions.github.com/scale-set-name", SET)
                .addToLabels("actions.github.com/scale-set-namespace", namespace).build());
        listener.setAdditionalProperty("spec", Map.of("autoscalingRunnerSetName", SET));
        client.genericKubernetesResources(ArcApi.AUTOSCALING_LISTENERS).inNamespace(controllerNamespace)
                .resource(listener).create();

        JsonPath status = Poll.until(TIMEOUT, "the runner set's and listener's status",
                () -> given().get("/api/v1/status").then().statusCode(200).extract().jsonPath(),
                json -> Integer.valueOf(1).equals(json.get("repositories[0].sets[0].runnerSet.currentRunners"))
                        && Boolean.TRUE.equals(json.get("repositories[0].sets[0].listener.present")));

        assertTrue(status.getBoolean("global.configValid"));
        assertEquals("0.13.0", status.getString("global.arcControllerVersion"));
        assertEquals("rkoster/rubionic-workspace", status.getString("repositories[0].name"));
        assertEquals(2, status.getList("repositories[0].sets").size());
        assertEquals("acme/tools", status.getString("repositories[1].name"));
        assertEquals("ready", status.getString("repositories[0].sets[0].state"));
        assertEquals(SET + "-754b578d-listener", status.getString("repositories[0].sets[0].listener.name"));
        assertEquals(1, status.getInt("repositories[0].sets[0].runnerSet.runningEphemeralRunners"));
        assertTrue(status.getBoolean("repositories[0].sets[0].exists"));
        String body = status.prettify();
        assertThat(body, not(containsString("ghp_daemon_token")));
        assertThat(body, not(containsString(Base64.getEncoder().encodeToString("ghp_daemon_token".getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void routeAnswersWithTheSetAndHowItWasDerived() {
        given().queryParam("repository", "rkoster/rubionic-workspace").queryParam("issue", 123).get("/api/v1/route")
                .then().statusCode(200)
                .body("set", org.hamcrest.Matchers.equalTo("arc-runner-rkoster-rubionic-workspace-2"))
                .body("instance", org.hamcrest.Matchers.equalTo(2))
                .body("derivation", containsString("123 mod 2 = 1"));
        given().queryParam("repository", "acme/tools").queryParam("key", "main").get("/api/v1/route")
                .then().statusCode(200).body("set", org.hamcrest.Matchers.equalTo("arc-runner-acme-tools-1"));
        given().queryParam("repository", "rkoster/rubionic-workspace").get("/api/v1/route").then().statusCode(400);
        given().queryParam("repository", "nobody/nothing").queryParam("issue", 1).get("/api/v1/route").then().statusCode(404);
    }

    @Test
    void workflowGivesBothSnippetForms() {
        String yaml = given().queryParam("repository", "rkoster/rubionic-workspace").get("/api/v1/workflow")
                .then().statusCode(200).contentType(containsString("yaml")).extract().asString();

        assertThat(yaml, containsString("runs-on: ${{ needs.route.outputs.runner }}"));
        assertThat(yaml, containsString("endsWith(format('{0}'"));
    }

    @Test
    void metricsArePresentAndMoveAfterACycle() {
        double cyclesBefore = metric("arcfleet_reconcile_cycles_total");
        loop.requestCycle();
        Poll.until(TIMEOUT, "another cycle counted", () -> metric("arcfleet_reconcile_cycles_total") > cyclesBefore);
        Poll.until(TIMEOUT, "cache sizes measured", () -> metrics().contains("arcfleet_cache_bytes{set=\"" + SET + "\"}"));

        String metrics = metrics();
        assertThat(metrics, containsString("arcfleet_reconcile_cycle_duration_seconds_bucket"));
        assertThat(metrics, containsString("arcfleet_reconcile_failures_total"));
        assertEquals(1.0, metric("arcfleet_config_valid"));
        assertEquals(0.0, metric("arcfleet_cache_cleanup_failures_total"));
        assertEquals(3.0, metric("arcfleet_sets{state=\"ready\"}"));
        assertTrue(metric("arcfleet_api_writes_total{kind=\"AutoscalingRunnerSet\",verb=\"apply\"}") >= 3.0);
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double metric(String nameAndLabels) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " ([0-9.eE+-]+)$").matcher(metrics());
        if (!matcher.find()) {
            throw new AssertionError("no metric " + nameAndLabels + " in /q/metrics");
        }
        return Double.parseDouble(matcher.group(1));
    }
}
