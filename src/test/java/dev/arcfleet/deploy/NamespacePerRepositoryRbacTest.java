package dev.arcfleet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestApiServer;
import dev.arcfleet.testing.TestSettings;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * deploy/namespace-per-repository on an API server that authorizes with RBAC only: the daemon's ServiceAccount, with
 * the base's RBAC and the per-namespace piece (deploy/runner-namespace) and no cluster-wide Secret access, reconciles
 * and prunes sets in both runner namespaces; and, by impersonation, a kube-mode ServiceAccount of one repository can
 * read no Secret of a repository in the other namespace, while it can do what the chart's kube-mode Role grants in its
 * own, where it can also read every other set's Secret.
 */
class NamespacePerRepositoryRbacTest {

    static final Path OVERLAY = Path.of("deploy/namespace-per-repository");
    /** The further runner namespace deploy/runner-namespace ships. */
    static final String RUNNERS_B = "arc-runners-b";

    private static final String ALPHA = "arc-runner-rbac-ns-alpha-1";
    private static final String GAMMA = "arc-runner-rbac-ns-gamma-1";
    private static final String BETA = "arc-runner-rbac-ns-beta-1";

    @Test
    void eachRepositorysJobsReadNoSecretOfAnotherNamespaceAndTheDaemonWorksInBoth() throws IOException {
        String suffix = UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
        Map<String, String> namespaces = Map.of(ShippedRbacTest.RUNNERS, "rbac-ns-a-" + suffix, RUNNERS_B, "rbac-ns-b-" + suffix,
                ShippedRbacTest.SYSTEMS, "rbac-ns-systems-" + suffix, ShippedRbacTest.DAEMON, "rbac-ns-daemon-" + suffix);
        String teamA = namespaces.get(ShippedRbacTest.RUNNERS);
        String teamB = namespaces.get(RUNNERS_B);
        String systems = namespaces.get(ShippedRbacTest.SYSTEMS);
        try (KubernetesClient admin = TestApiServer.newClient()) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(systems).endMetadata().build()).create();
            ArcFixtures.installController(admin, systems, FleetFixture.ARC_VERSION);
            String rendered = ShippedRbacTest.renderKustomization(OVERLAY);
            List<HasMetadata> manifests = admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items();
            manifests.forEach(object -> ShippedRbacTest.moveToFreshNamespaces(object, namespaces));
            Deployment deployment = manifests.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                    .findFirst().orElseThrow();
            EnvVar runnerNamespaces = env(deployment, "ARCFLEET_RUNNER_NAMESPACES");
            assertEquals(RUNNERS_B, runnerNamespaces.getValue());
            runnerNamespaces.setValue(teamB);
            // The daemon holds Secrets only through namespaced Roles: no ClusterRole of it names them.
            manifests.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                    .flatMap(role -> role.getRules().stream())
                    .forEach(rule -> assertTrue(rule.getResources().stream().noneMatch(Set.of("secrets", "*")::contains), rule::toString));
            for (HasMetadata object : manifests) {
                if (!(object instanceof PodDisruptionBudget)) {
                    admin.resource(object).fieldManager("kubectl").forceConflicts().serverSideApply();
                }
            }
            String daemonNamespace = deployment.getMetadata().getNamespace();
            String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
            admin.resource(ArcFixtures.tokenSecret(daemonNamespace, "arcfleet-github", "ghp_rbac_token")).create();

            try (KubernetesClient daemon = ShippedRbacTest.impersonating(daemonNamespace, serviceAccount)) {
                assertForbidden(() -> daemon.secrets().inAnyNamespace().list());
                TestSettings settings = new TestSettings(env(deployment, "ARCFLEET_NAMESPACE").getValue())
                        .controllerNamespace(systems).runnerNamespaces(teamB).credentialsNamespace(daemonNamespace)
                        .cacheHostRoot(Files.createTempDirectory("arcfleet-rbac-ns-cache")).orphanRetention("0");
                try (ShippedRbacTest.Pipeline pipeline = new ShippedRbacTest.Pipeline(daemon, settings, FleetFixture.TIMEOUT)) {
                    pipeline.writeRepositories(admin, """
                            repositories:
                              - name: rbac-ns/alpha
                              - name: rbac-ns/gamma
                              - name: rbac-ns/beta
                                namespace: %s
                            """.formatted(teamB), FleetFixture.TIMEOUT);
                    CycleReport report = pipeline.converge(FleetFixture.TIMEOUT);
                    assertEquals(3, report.count(SetStatus.State.READY), report::toString);
                    assertNotNull(pipeline.runnerSet(admin, teamB, BETA));

                    assertKubeModeIsolation(teamA, teamB);

                    pipeline.writeRepositories(admin, """
                            repositories:
                              - name: rbac-ns/alpha
                              - name: rbac-ns/gamma
                            """, FleetFixture.TIMEOUT);
                    assertTrue(pipeline.convergeCounting(FleetFixture.TIMEOUT).pruned() > 0);
                    assertNull(pipeline.runnerSet(admin, teamB, BETA), "the removed repository's set is still in " + teamB);
                    pipeline.assertNoWatchRefused();
                }
                ShippedRbacTest.assertNoRefusedRequests("system:serviceaccount:" + daemonNamespace + ":" + serviceAccount,
                        List.of(daemonNamespace, teamA, teamB, systems));
            }
        }
    }

    /**
     * Job pods of a kube-mode set run with its ServiceAccount. Across namespaces it reads no Secret, neither by name nor
     * by listing; in its own it does what the chart's kube-mode Role grants, which includes every set's Secret there.
     */
    private static void assertKubeModeIsolation(String teamA, String teamB) throws IOException {
        try (KubernetesClient alphaJobs = ShippedRbacTest.impersonating(teamA, RunnerSetRenderer.kubeModeName(ALPHA));
                KubernetesClient betaJobs = ShippedRbacTest.impersonating(teamB, RunnerSetRenderer.kubeModeName(BETA))) {
            assertForbidden(() -> alphaJobs.secrets().inNamespace(teamB).withName(RunnerSetRenderer.githubSecretName(BETA)).get());
            assertForbidden(() -> alphaJobs.secrets().inNamespace(teamB).list());
            assertForbidden(() -> betaJobs.secrets().inNamespace(teamA).withName(RunnerSetRenderer.githubSecretName(ALPHA)).get());
            assertForbidden(() -> betaJobs.secrets().inNamespace(teamA).list());
            assertForbidden(() -> alphaJobs.pods().inNamespace(teamB).list());

            assertNotNull(alphaJobs.secrets().inNamespace(teamA).withName(RunnerSetRenderer.githubSecretName(ALPHA)).get());
            alphaJobs.pods().inNamespace(teamA).list();
            alphaJobs.batch().v1().jobs().inNamespace(teamA).list();
            assertNotNull(betaJobs.secrets().inNamespace(teamB).withName(RunnerSetRenderer.githubSecretName(BETA)).get());
            // What one namespace gives: any kube-mode set there reads every other set's credentials (docs/isolation.md).
            assertNotNull(alphaJobs.secrets().inNamespace(teamA).withName(RunnerSetRenderer.githubSecretName(GAMMA)).get());
        }
    }

    private static void assertForbidden(Supplier<?> request) {
        KubernetesClientException refused = assertThrows(KubernetesClientException.class, request::get);
        assertEquals(403, refused.getCode(), refused::getMessage);
    }

    private static EnvVar env(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream().flatMap(container -> container.getEnv().stream())
                .filter(variable -> name.equals(variable.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("the Deployment does not set " + name));
    }
}
