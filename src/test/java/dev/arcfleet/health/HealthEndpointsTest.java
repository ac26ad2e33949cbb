package dev.arcfleet.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.DaemonTestResource;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@QuarkusTestResource(value = DaemonTestResource.class, restrictToAnnotatedClass = true)
class HealthEndpointsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    KubernetesClient client;

    @Inject
    Daemon loop;

    @ConfigProperty(name = "arcfleet.namespace")
    String namespace;

    /** What {@code arcfleet} without arguments does; tests start the application without running its main. */
    @BeforeEach
    void startDaemon() {
        loop.start();
    }

    @Test
    void daemonConvergesAndReportsReadyLiveAndStarted() {
        JsonPath ready = awaitReadiness(200);

        assertEquals("UP", check(ready, "configuration").getString("status"));
        assertEquals("UP", check(ready, "kubernetes-api").getString("status"));
        JsonPath arc = check(ready, "arc-controller");
        assertEquals("0.13.0", arc.getString("data.version"));
        JsonPath reconcile = check(ready, "reconcile");
        assertEquals(3, reconcile.getInt("data.setsDesired"));
        assertEquals(3, reconcile.getInt("data.setsReady"));
        assertEquals(3, runnerSetCount());

        given().when().get("/q/health/live").then().statusCode(200)
                .body("checks.name", hasItem("reconcile-loop"));
        given().when().get("/q/health/started").then().statusCode(200)
                .body("checks.name", hasItem("first-reconcile-cycle"));
    }

    @Test
    void invalidConfigMapTurnsReadinessDownWithTheReasonAndKeepsEverySet() {
        awaitReadiness(200);
        try {
            client.resource(ArcFixtures.repositories(namespace, """
                    repositories:
                      - name: rkoster/rubionic-workspace
                        instances: 2
                        maxRunner: 3
                    """)).forceConflicts().serverSideApply();

            // Each check reads the latest cycle report on its own, so a response taken as a cycle ends may show
            // the reconcile check of the new report beside the configuration check of the one before.
            JsonPath notReady = Poll.until(TIMEOUT, "readiness DOWN for the invalid ConfigMap",
                    () -> given().when().get("/q/health/ready").then().extract(),
                    response -> response.statusCode() == 503
                            && "DOWN".equals(check(response.jsonPath(), "configuration").getString("status"))).jsonPath();
            JsonPath configuration = check(notReady, "configuration");
            org.hamcrest.MatcherAssert.assertThat(configuration.getString("data.error"),
                    containsString("repository rkoster/rubionic-workspace: maxRunner: unknown key"));
            assertEquals(3, runnerSetCount(), "an invalid ConfigMap must not delete any set");
        } finally {
            client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES)).forceConflicts().serverSideApply();
        }
        awaitReadiness(200);
        assertEquals(3, runnerSetCount());
    }

    private int runnerSetCount() {
        return client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).list()
                .getItems().size();
    }

    private static JsonPath awaitReadiness(int status) {
        return Poll.until(TIMEOUT, "readiness status " + status, () -> given().when().get("/q/health/ready").then().extract(),
                response -> response.statusCode() == status).jsonPath();
    }

    private static JsonPath check(JsonPath health, String name) {
        return new JsonPath(health.prettify()).setRootPath("checks.find { it.name == '" + name + "' }");
    }
}
