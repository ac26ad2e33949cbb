package dev.arcfleet.faults;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.DaemonTestResource;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * One set fails for good (a ResourceQuota forbids its AutoscalingRunnerSet) while unrelated Secrets
 * churn: the failing set backs off on its own, the churn wakes no cycle, and ConfigMap edits still
 * apply at once.
 */
@QuarkusTest
@QuarkusTestResource(value = DaemonTestResource.class, restrictToAnnotatedClass = true)
class FailingSetUnderChurnTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CHURN = Duration.ofSeconds(60);
    private static final String FAILING = "arc-runner-acme-tools-2";

    @Inject
    Daemon loop;

    @ConfigProperty(name = "arcfleet.namespace")
    String namespace;

    @BeforeEach
    void startDaemon() {
        loop.start();
    }

    @Test
    void aFailingSetBacksOffAloneAndUnrelatedChurnWakesNoCycle() throws InterruptedException {
        try (KubernetesClient admin = TestApiServer.newClient()) {
            Poll.until(TIMEOUT, "the first sync", () -> given().get("/q/health/ready").statusCode() == 200);
            // Three sets exist; the quota allows no fourth.
            admin.resource(new ResourceQuotaBuilder().withNewMetadata().withName("runner-sets").withNamespace(namespace)
                    .endMetadata().withNewSpec().addToHard("count/autoscalingrunnersets.actions.github.com",
                            new io.fabric8.kubernetes.api.model.Quantity("3"))
                    .endSpec().build()).create();
            // What kube-controller-manager's quota controller would report; the test API server has none.
            Map<String, io.fabric8.kubernetes.api.model.Quantity> three = Map.of("count/autoscalingrunnersets.actions.github.com",
                    new io.fabric8.kubernetes.api.model.Quantity("3"));
            admin.resourceQuotas().inNamespace(namespace).withName("runner-sets").editStatus(quota -> {
                quota.setStatus(new io.fabric8.kubernetes.api.model.ResourceQuotaStatus(three, three));
                return quota;
            });
            writeRepositories(admin, "acme/tools", "instances: 2");
            Poll.until(TIMEOUT, "the fourth set to be refused", () -> attempts(FAILING) > 0);
            double cyclesBefore = cycles();

            long churnStarted = System.nanoTime();
            long editLatencyMillis = -1;
            for (int second = 0; System.nanoTime() - churnStarted < CHURN.toNanos(); second++) {
                for (int i = 0; i < 5; i++) {
                    String name = "unrelated-" + second + "-" + i;
                    admin.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                            .endMetadata().addToStringData("k", "v").build()).create();
                    if (second > 0) {
                        admin.secrets().inNamespace(namespace).withName("unrelated-" + (second - 1) + "-" + i).delete();
                    }
                }
                if (second == 40) {
                    long edited = System.nanoTime();
                    writeRepositories(admin, "acme/tools", "instances: 2\n    maxRunners: 2");
                    Poll.until(TIMEOUT, "the edit to reach the first set", () -> maxRunners(admin, "arc-runner-acme-tools-1") == 2);
                    editLatencyMillis = Duration.ofNanos(System.nanoTime() - edited).toMillis();
                }
                java.util.concurrent.TimeUnit.MILLISECONDS.sleep(1000 - (System.nanoTime() - churnStarted) / 1_000_000 % 1000);
            }
            long attempts = attempts(FAILING);
            double churnCycles = cycles() - cyclesBefore;
            // Backoff 1, 2, 4, 8, 16 s, then the 30 s interval: at most 7 steps fit in 60 s of churn, plus the first.
            System.out.printf("failing set: %d write attempts; %.0f cycles during %d s of churn; edit applied in %d ms%n",
                    attempts, churnCycles, CHURN.toSeconds(), editLatencyMillis);
            assertTrue(attempts <= 8, "write attempts of the failing set: " + attempts);
            assertTrue(churnCycles <= 20, "cycles during the churn: " + churnCycles);
            assertTrue(editLatencyMillis >= 0 && editLatencyMillis < 1000, "edit applied in " + editLatencyMillis + " ms");
        }
    }

    private void writeRepositories(KubernetesClient admin, String name, String fields) {
        admin.resource(ArcFixtures.repositories(namespace, """
                repositories:
                  - name: rkoster/rubionic-workspace
                    instances: 2
                  - name: %s
                    %s
                """.formatted(name, fields))).forceConflicts().serverSideApply();
    }

    /** Write requests for the set's AutoscalingRunnerSet that the API server refused, from its audit log. */
    private long attempts(String setName) {
        return TestApiServer.auditedRequests(namespace).stream()
                .filter(line -> line.contains("\"resource\":\"autoscalingrunnersets\"") && line.contains("\"name\":\"" + setName + "\"")
                        && line.contains("\"verb\":\"patch\"") && line.contains("\"code\":403"))
                .count();
    }

    private static double cycles() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith("arcfleet_reconcile_cycles_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    @SuppressWarnings("unchecked")
    private int maxRunners(KubernetesClient admin, String setName) {
        GenericKubernetesResource set = admin.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS)
                .inNamespace(namespace).withName(setName).get();
        return ((Number) ((Map<String, Object>) set.getAdditionalProperties().get("spec")).get("maxRunners")).intValue();
    }
}
