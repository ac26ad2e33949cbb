package dev.arcfleet.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.DaemonTestResource;
import dev.arcfleet.testing.Poll;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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

    @ConfigProperty(name = "arcfleet.cache.host-root")
    String hostRoot;

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

    /** A set over maxCacheSize at two measurements (one a second here) is drained; readiness names it and stays up. */
    @Test
    void aDrainedSetIsNamedByReadinessWhichStaysUp() throws Exception {
        awaitReadiness(200);
        String set = "arc-runner-acme-tools-1";
        Path cache = Path.of(hostRoot, set, "cache");
        Pod runner = null;
        try {
            // Stands in for the idle runner ARC keeps for minRunners: 1; it mounts the cache, so only a drain frees it.
            runner = client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(set + "-runner")
                    .addToLabels(ArcKeys.SCALE_SET_NAME, set).endMetadata().withNewSpec().addNewContainer().withName("runner")
                    .withImage("ghcr.io/actions/actions-runner").endContainer().addNewVolume().withName("cache-cache")
                    .withNewHostPath().withPath("/tmp/github-runner-cache/" + set + "/cache").endHostPath().endVolume()
                    .endSpec().build()).create();
            client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES.replace(
                    "- name: acme/tools\n", "- name: acme/tools\n    minRunners: 1\n    maxCacheSize: 16Ki\n")))
                    .forceConflicts().serverSideApply();
            // The cycle that applies the limit comes after the pod's watch event, so the daemon sees the pod by then.
            Poll.until(TIMEOUT, "the limit applied", () -> Integer.valueOf(1).equals(((Map<?, ?>) client.genericKubernetesResources(
                    ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(set).get().getAdditionalProperties()
                    .get("spec")).get("minRunners")));
            Files.write(cache.resolve("big.bin"), new byte[64 * 1024]);

            JsonPath drained = new JsonPath(Poll.until(TIMEOUT, "readiness to name the drained set",
                    () -> given().when().get("/q/health/ready").then().extract().asString(),
                    body -> check(new JsonPath(body), "cache").getMap("data").getOrDefault("limit " + set, "").toString()
                            .startsWith("DRAINED")));

            assertEquals("UP", check(drained, "cache").getString("status"));
            Map<?, ?> spec = (Map<?, ?>) Poll.until(TIMEOUT, "the set drained", () -> client.genericKubernetesResources(
                    ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(set).get().getAdditionalProperties()
                    .get("spec"), written -> Integer.valueOf(0).equals(((Map<?, ?>) written).get("maxRunners")));
            assertEquals(0, spec.get("minRunners"));
            assertTrue(Files.exists(cache.resolve("big.bin")), "the runner pod mounts it: not cleared");
        } finally {
            if (runner != null) {
                client.resource(runner).withGracePeriod(0).delete();
            }
            client.resource(ArcFixtures.repositories(namespace, DaemonTestResource.VALID_REPOSITORIES)).forceConflicts()
                    .serverSideApply();
        }
        Poll.until(TIMEOUT, "the cache cleared and the set restored", () -> !Files.exists(cache.resolve("big.bin"))
                && client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(set).get()
                        .getAdditionalProperties().get("spec") instanceof Map<?, ?> spec && Integer.valueOf(1).equals(spec.get("maxRunners")));
        awaitReadiness(200);
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
