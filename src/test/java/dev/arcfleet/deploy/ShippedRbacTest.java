package dev.arcfleet.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.reconcile.FleetReconciler;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Placement;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Kubectl;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import dev.arcfleet.testing.TestSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Proves that the RBAC shipped in deploy/kubernetes is enough for a full reconcile and prune: the
 * rendered kustomization is applied to the test API server (which authorizes with RBAC only), and
 * the reconcile pipeline runs as the Deployment's ServiceAccount through impersonation.
 */
class ShippedRbacTest {

    static final Path KUSTOMIZATION = Path.of("deploy/kubernetes");
    static final Path CLAIMS_ONLY = Path.of("deploy/claims-only");
    static final Duration TIMEOUT = FleetFixture.TIMEOUT;

    /** The namespaces the manifests name; each is replaced by a fresh one per run. */
    static final String RUNNERS = "arc-runners";
    static final String SYSTEMS = "arc-systems";
    static final String DAEMON = "arcfleet";

    private static final String REPOSITORIES = """
            repositories:
              - name: rbac-check/kube
                instances: 2
                containerMode: kubernetes
              - name: rbac-check/dind
                containerMode: dind
                githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}}
              - name: rbac-check/claim
                cacheVolume: {type: persistentVolumeClaim, storage: 1Gi}
            """;

    private static final String REPOSITORIES_AFTER_REMOVAL = """
            repositories:
              - name: rbac-check/kube
                instances: 2
                containerMode: kubernetes
            """;

    @Test
    void shippedRbacSufficesToConvergeAndPrune() {
        deployAndReconcile(renderKustomization(KUSTOMIZATION), TIMEOUT);
    }

    /**
     * The overlay for claim-only fleets: its Deployment mounts no hostPath, adds no capability and runs as
     * non-root, and the RBAC it ships (the base's) suffices as the base's does, its example claims included.
     */
    @Test
    void claimOnlyOverlayNeedsNoHostPathNoCapabilityNoRootAndItsRbacSuffices() {
        String rendered = renderKustomization(CLAIMS_ONLY);
        try (KubernetesClient admin = TestApiServer.newClient()) {
            Deployment deployment = admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items()
                    .stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
            io.fabric8.kubernetes.api.model.PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            assertTrue(pod.getVolumes().stream().allMatch(volume -> volume.getHostPath() == null), pod.getVolumes()::toString);
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
            assertNotEquals(Long.valueOf(0), pod.getSecurityContext().getRunAsUser());
            pod.getContainers().forEach(container -> {
                var capabilities = container.getSecurityContext().getCapabilities();
                assertTrue(capabilities.getAdd() == null || capabilities.getAdd().isEmpty(), capabilities::toString);
                assertEquals(List.of("ALL"), capabilities.getDrop());
            });
        }
        deployAndReconcile(rendered, TIMEOUT);
    }

    /** {@code kubectl kustomize <directory>}, as {@code kubectl apply -k} would render it. */
    static String renderKustomization(Path directory) {
        try {
            Path output = Files.createTempFile("arcfleet-kustomize", ".yaml");
            Path errors = Files.createTempFile("arcfleet-kustomize", ".err");
            Process process = new ProcessBuilder(Kubectl.path(), "kustomize", directory.toString())
                    .redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("kubectl kustomize did not finish within 2 minutes");
            }
            assertEquals(0, process.exitValue(), () -> "kubectl kustomize failed: " + read(errors));
            return Files.readString(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Applies the rendered manifests in fresh namespaces and runs reconcile cycles as the shipped
     * ServiceAccount until they converge, then prunes a repository. Fails, within about
     * {@code timeout} per wait, if any request of the ServiceAccount is refused.
     */
    static void deployAndReconcile(String rendered, Duration timeout) {
        String suffix = UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
        Map<String, String> namespaces = Map.of(RUNNERS, "rbac-runners-" + suffix, SYSTEMS, "rbac-systems-" + suffix,
                DAEMON, "rbac-daemon-" + suffix);
        try (KubernetesClient admin = TestApiServer.newClient()) {
            // What ARC's controller chart would have made: its namespace and its Deployment.
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespaces.get(SYSTEMS))
                    .endMetadata().build()).create();
            ArcFixtures.installController(admin, namespaces.get(SYSTEMS), FleetFixture.ARC_VERSION);

            List<HasMetadata> manifests = admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8)))
                    .items();
            manifests.forEach(object -> moveToFreshNamespaces(object, namespaces));
            String moved = Serialization.asYaml(manifests);
            assertFalse(moved.contains(RUNNERS) || moved.contains(SYSTEMS),
                    () -> "a namespace reference was not moved to the test's namespaces:\n" + moved);
            for (HasMetadata object : manifests) {
                if (object instanceof PodDisruptionBudget) {
                    // policy/v1 is served from Kubernetes 1.21; the test API server is 1.20, and the budget
                    // grants nothing. deploymentRunsTwoDaemonsOfWhichABudgetKeepsOne checks it.
                    continue;
                }
                // A dry run first, as `kubectl apply --dry-run=server` would, then for real: the RBAC
                // objects must exist for the ServiceAccount to be authorized by them.
                admin.resource(object).dryRun().fieldManager("kubectl").forceConflicts().serverSideApply();
                admin.resource(object).fieldManager("kubectl").forceConflicts().serverSideApply();
            }
            Deployment deployment = manifests.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                    .findFirst().orElseThrow(() -> new AssertionError("the manifests have no Deployment"));
            // The pipeline runs with the settings and as the identity the Deployment gives the daemon.
            String runnersNamespace = env(deployment, "ARCFLEET_NAMESPACE");
            String systemsNamespace = env(deployment, "ARCFLEET_ARC_CONTROLLER_NAMESPACE");
            assertEquals(namespaces.get(RUNNERS), runnersNamespace);
            assertEquals(namespaces.get(SYSTEMS), systemsNamespace);
            assertKnownSettings(deployment);
            String daemonNamespace = deployment.getMetadata().getNamespace();
            String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
            // In a cluster the source credentials are read from the daemon's own namespace.
            admin.resource(ArcFixtures.tokenSecret(daemonNamespace, "arcfleet-github", "ghp_rbac_token")).create();

            try (KubernetesClient daemon = impersonating(daemonNamespace, serviceAccount)) {
                assertImpersonationRestricts(daemon);
                String user = "system:serviceaccount:" + daemonNamespace + ":" + serviceAccount;
                TestSettings settings = new TestSettings(runnersNamespace).controllerNamespace(systemsNamespace)
                        .cacheHostRoot(Files.createTempDirectory("arcfleet-rbac-cache")).credentialsNamespace(daemonNamespace)
                        .leaderElection(true).leaseNamespace(daemonNamespace).orphanRetention("0");
                assertLeaderElectionAllowed(daemon, settings, manifests, timeout);
                try (Pipeline pipeline = new Pipeline(daemon, settings, timeout)) {
                    // The shipped example ConfigMap must itself be valid and reconcilable.
                    CycleReport example = pipeline.converge(timeout);
                    assertAllReady(example, Set.of("arc-runner-octo-org-octo-repo-1", "arc-runner-octo-org-octo-repo-2"));

                    pipeline.writeRepositories(admin, REPOSITORIES, timeout);
                    Converged full = pipeline.convergeCounting(timeout);
                    assertAllReady(full.last(), Set.of("arc-runner-rbac-check-kube-1", "arc-runner-rbac-check-kube-2",
                            "arc-runner-rbac-check-dind-1", "arc-runner-rbac-check-claim-1"));
                    pipeline.assertBoundVolumeReadable(admin, runnersNamespace, "arc-runner-rbac-check-claim-1-cache", timeout);
                    assertTrue(full.pruned() > 0, "the example's sets were not pruned: " + full.last());

                    pipeline.writeRepositories(admin, REPOSITORIES_AFTER_REMOVAL, timeout);
                    Converged pruned = pipeline.convergeCounting(timeout);
                    assertAllReady(pruned.last(), Set.of("arc-runner-rbac-check-kube-1", "arc-runner-rbac-check-kube-2"));
                    assertTrue(pruned.pruned() > 0, "nothing was pruned: " + pruned.last());
                    assertNull(pipeline.runnerSet(admin, runnersNamespace, "arc-runner-rbac-check-dind-1"),
                            "the removed repository's AutoscalingRunnerSet still exists");
                    // With orphan-retention 0 the removed set's claim is marked and then deleted, as the ServiceAccount.
                    Poll.until(timeout, "the removed set's cache claim to be deleted", () -> {
                        pipeline.converge(timeout);
                        PersistentVolumeClaim claim = admin.persistentVolumeClaims().inNamespace(runnersNamespace)
                                .withName("arc-runner-rbac-check-claim-1-cache").get();
                        return claim == null || claim.getMetadata().getDeletionTimestamp() != null;
                    });
                    pipeline.assertNoWatchRefused();
                }
                assertNoRefusedRequests(user, List.of(daemonNamespace, runnersNamespace, systemsNamespace));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Moves every namespace reference to the test's own namespaces: the test server cannot delete
     * namespaces, so each run needs fresh ones. Done on the parsed objects rather than by replacing
     * text, because "arcfleet" names both the daemon's namespace and its ServiceAccount, labels and
     * Role; only namespace positions may change. Any namespace the map lacks fails the test, so a
     * manifest cannot silently land in a shared namespace.
     */
    static void moveToFreshNamespaces(HasMetadata object, Map<String, String> namespaces) {
        if (object instanceof Namespace) {
            object.getMetadata().setName(fresh(namespaces, object.getMetadata().getName()));
        }
        if (object.getMetadata().getNamespace() != null) {
            object.getMetadata().setNamespace(fresh(namespaces, object.getMetadata().getNamespace()));
        }
        if (object instanceof Role role) {
            // The Lease the daemon may renew is named after its runner namespace: arcfleet.<namespace>.<config-map>.
            role.getRules().stream().filter(rule -> rule.getResourceNames() != null).forEach(rule -> rule.setResourceNames(
                    rule.getResourceNames().stream().map(name -> moveLeaseName(name, namespaces)).toList()));
        }
        if (object instanceof ClusterRole || object instanceof ClusterRoleBinding) {
            // Cluster-scoped, so shared by every run: each run binds its own, named after its daemon namespace.
            object.getMetadata().setName(object.getMetadata().getName() + "-" + namespaces.get(DAEMON));
        }
        if (object instanceof ClusterRoleBinding binding) {
            binding.getRoleRef().setName(binding.getRoleRef().getName() + "-" + namespaces.get(DAEMON));
            binding.getSubjects().forEach(subject -> subject.setNamespace(fresh(namespaces, subject.getNamespace())));
        }
        if (object instanceof RoleBinding binding) {
            binding.getSubjects().stream().filter(subject -> subject.getNamespace() != null)
                    .forEach(subject -> subject.setNamespace(fresh(namespaces, subject.getNamespace())));
        }
        if (object instanceof Deployment deployment) {
            deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                    .flatMap(container -> Optional.ofNullable(container.getEnv()).orElse(List.of()).stream())
                    .filter(variable -> variable.getName().endsWith("_NAMESPACE"))
                    .forEach(variable -> variable.setValue(fresh(namespaces, variable.getValue())));
        }
    }

    private static String moveLeaseName(String name, Map<String, String> namespaces) {
        String[] parts = name.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals("arcfleet")) {
            throw new AssertionError("a resourceName that is no Lease of arcfleet: " + name);
        }
        return parts[0] + "." + fresh(namespaces, parts[1]) + "." + parts[2];
    }

    /**
     * The shipped Role allows exactly the Lease the daemon takes: it becomes leader, renews and lets go as
     * its ServiceAccount, and assertNoRefusedRequests then finds nothing refused.
     */
    private static void assertLeaderElectionAllowed(KubernetesClient daemon, TestSettings settings,
            List<HasMetadata> manifests, Duration timeout) {
        Placement inCluster = new Placement(Optional.of(settings.leaderElection().leaseNamespace().orElseThrow()));
        assertTrue(manifests.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .flatMap(role -> role.getRules().stream())
                .anyMatch(rule -> rule.getResourceNames() != null && rule.getResourceNames().contains(inCluster.leaseName(settings))),
                "no Role names the Lease " + inCluster.leaseName(settings));
        java.util.concurrent.atomic.AtomicBoolean led = new java.util.concurrent.atomic.AtomicBoolean();
        LeaderGate gate = new LeaderGate(daemon, settings, inCluster, () -> led.set(true), () -> { });
        try {
            gate.start();
            Poll.until(timeout, "the ServiceAccount to take the Lease", led::get);
        } finally {
            gate.close();
        }
        Lease released = daemon.leases().inNamespace(inCluster.leaseNamespace(settings)).withName(inCluster.leaseName(settings))
                .get();
        // fabric8 lets a Lease go by making it expire a second after the release (its PATCH keeps the holder).
        assertEquals(1, released.getSpec().getLeaseDurationSeconds(), () -> "the Lease was not let go: " + released.getSpec());
    }

    @Test
    void deploymentRunsTwoDaemonsOfWhichABudgetKeepsOne() {
        List<HasMetadata> manifests = Serialization.unmarshal(renderKustomization(KUSTOMIZATION));
        Deployment deployment = manifests.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .findFirst().orElseThrow();
        PodDisruptionBudget budget = manifests.stream().filter(PodDisruptionBudget.class::isInstance)
                .map(PodDisruptionBudget.class::cast).findFirst().orElseThrow(() -> new AssertionError("no PodDisruptionBudget"));
        assertEquals(2, deployment.getSpec().getReplicas());
        assertEquals("RollingUpdate", deployment.getSpec().getStrategy().getType());
        assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        assertEquals(deployment.getMetadata().getNamespace(), budget.getMetadata().getNamespace());
        assertEquals(deployment.getSpec().getTemplate().getMetadata().getLabels(), budget.getSpec().getSelector().getMatchLabels());
        assertEquals(1, budget.getSpec().getMinAvailable().getIntVal());
    }

    private static String fresh(Map<String, String> namespaces, String shipped) {
        String fresh = namespaces.get(shipped);
        if (fresh == null) {
            throw new AssertionError("the manifests use namespace '" + shipped + "', expected one of " + namespaces.keySet());
        }
        return fresh;
    }

    private static String env(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(container -> Optional.ofNullable(container.getEnv()).orElse(List.of()).stream())
                .filter(variable -> name.equals(variable.getName())).map(EnvVar::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("the Deployment does not set " + name));
    }

    /** A misspelt ARCFLEET_* variable would be ignored, silently leaving that setting at its default. */
    private static void assertKnownSettings(Deployment deployment) {
        Set<String> known = SystemdUnitTest.propertyNames("arcfleet", ArcfleetConfig.class).stream()
                .map(name -> name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_")).collect(Collectors.toSet());
        List<String> unknown = deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(container -> Optional.ofNullable(container.getEnv()).orElse(List.of()).stream()).map(EnvVar::getName)
                .filter(name -> name.startsWith("ARCFLEET_") && !known.contains(name)).toList();
        assertEquals(List.of(), unknown, () -> "the Deployment sets variables that are no arcfleet property; known: " + known);
    }

    /** The admin's client certificate, with every request made as the ServiceAccount, groups as its token would carry. */
    static KubernetesClient impersonating(String namespace, String serviceAccount) throws IOException {
        Config admin = Config.fromKubeconfig(Files.readString(TestApiServer.kubeconfig()));
        Config config = new ConfigBuilder(admin)
                .withImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated")
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Without this, a client that silently stayed admin would make every other assertion meaningless. */
    private static void assertImpersonationRestricts(KubernetesClient daemon) {
        KubernetesClientException namespaces = assertThrows(KubernetesClientException.class,
                () -> daemon.namespaces().list());
        assertEquals(403, namespaces.getCode());
        // A namespace no assertion audits: the daemon may read Secrets in its own.
        KubernetesClientException otherSecrets = assertThrows(KubernetesClientException.class,
                () -> daemon.secrets().inNamespace("kube-system").list());
        assertEquals(403, otherSecrets.getCode());
    }

    private static void assertAllReady(CycleReport report, Set<String> expected) {
        assertTrue(report.succeeded(), () -> "not converged: " + report.firstError() + "; " + report);
        assertEquals(expected, report.sets().stream().map(SetStatus::name).collect(Collectors.toSet()));
    }

    /**
     * No request of the ServiceAccount in these namespaces, as the audit log recorded it, may have
     * been refused (401/403), and no write may have failed at all: a refused prune is only logged and
     * retried by the daemon, and a refused status-only watch only logged, so the reports alone would
     * not show them. Events are written best-effort and only logged at debug level, so a refused one
     * shows only here. Other failed reads are not refusals, such as a 404 for a CRD the test server lacks.
     */
    static void assertNoRefusedRequests(String user, List<String> namespaces) {
        ObjectMapper json = new ObjectMapper();
        List<String> refused = new ArrayList<>();
        int requests = 0;
        for (String namespace : namespaces) {
            for (String line : TestApiServer.auditedRequests(namespace)) {
                JsonNode event;
                try {
                    event = json.readTree(line);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (!user.equals(event.path("impersonatedUser").path("username").asText())) {
                    continue;
                }
                requests++;
                int code = event.path("responseStatus").path("code").asInt();
                boolean write = WRITE_VERBS.contains(event.path("verb").asText());
                if (code == 401 || code == 403 || write && code >= 400) {
                    refused.add(code + " " + event.path("verb").asText() + " " + event.path("requestURI").asText() + ": "
                            + event.path("responseStatus").path("message").asText());
                }
            }
        }
        assertTrue(requests > 0, "the audit log shows no request of " + user);
        assertEquals(List.of(), refused, "requests of " + user + " were refused");
    }

    private static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection");

    record Converged(CycleReport last, int pruned) {
    }

    /** The daemon's reconcile pipeline (as Daemon wires it), driven cycle by cycle. */
    static final class Pipeline implements AutoCloseable {

        private final TestSettings settings;
        private final ExecutorService applyPool;
        private final ClusterCache cache;
        private final CacheManager caches;
        private final FleetReconciler reconciler;

        Pipeline(KubernetesClient daemon, TestSettings settings, Duration timeout) {
            this.settings = settings;
            applyPool = Executors.newFixedThreadPool(settings.reconcile().parallelism());
            cache = new ClusterCache(daemon, settings, () -> {
            }, () -> {
            });
            caches = new CacheManager(settings.cache(), dev.arcfleet.settings.Owner.of(settings).value(), Clock.systemUTC(), cache::cacheUser, () -> {
            }, () -> true);
            reconciler = new FleetReconciler(daemon, settings, cache, caches, applyPool, Clock.systemUTC(), () -> true);
            // Readiness needs every watch open, not only the first lists: a missing `watch` shows only here.
            Poll.until(timeout, "the ServiceAccount's informers to list and watch", cache::problems,
                    problems -> cache.synced() && cache.watching());
        }

        /**
         * The audit log does not record watches, and informers that only feed status (listeners) are
         * not part of being synced: a refused watch shows only in the informers' problems.
         */
        void assertNoWatchRefused() {
            List<String> refused = cache.problems().stream()
                    .filter(problem -> problem.toLowerCase(Locale.ROOT).contains("forbidden") || problem.contains("403"))
                    .toList();
            assertEquals(List.of(), refused, "the ServiceAccount may not list or watch");
        }

        /**
         * Binds the claim by hand to a node-local volume, as a provisioner and the PV controller would (the test
         * server has neither), and waits until the ServiceAccount's informers show where it is, as status does.
         */
        void assertBoundVolumeReadable(KubernetesClient admin, String namespace, String claimName, Duration timeout) {
            String volume = "rbac-" + namespace + "-" + claimName;
            admin.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(volume).endMetadata()
                    .withNewSpec().withCapacity(Map.of("storage", new Quantity("1Gi"))).withAccessModes("ReadWriteOnce")
                    .withNewLocal().withPath("/var/local/" + claimName).endLocal().withNewNodeAffinity().withNewRequired()
                    .addNewNodeSelectorTerm().addNewMatchExpression().withKey("kubernetes.io/hostname").withOperator("In")
                    .withValues("node-1").endMatchExpression().endNodeSelectorTerm().endRequired().endNodeAffinity()
                    .endSpec().build()).create();
            admin.persistentVolumeClaims().inNamespace(namespace).withName(claimName).edit(claim -> {
                claim.getSpec().setVolumeName(volume);
                return claim;
            });
            Poll.until(timeout, "the ServiceAccount to read the bound claim's volume", () -> cache.persistentVolume(volume)
                    .map(found -> found.getSpec().getLocal().getPath().equals("/var/local/" + claimName)).orElse(false));
        }

        void writeRepositories(KubernetesClient admin, String yaml, Duration timeout) {
            ConfigMap written = admin.resource(ArcFixtures.repositories(settings.namespace(), yaml)).fieldManager("kubectl")
                    .forceConflicts().serverSideApply();
            long version = Long.parseLong(written.getMetadata().getResourceVersion());
            Poll.until(timeout, "the informer to see the new repositories", () -> cache.configMap(written.getMetadata().getName())
                    .map(cached -> Long.parseLong(cached.getMetadata().getResourceVersion()) >= version).orElse(false));
        }

        CycleReport converge(Duration timeout) {
            return convergeCounting(timeout).last();
        }

        /** Runs cycles until one sends no write, as the loop does after watch events; fails at once on a failed set. */
        Converged convergeCounting(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int pruned = 0;
            CycleReport report;
            do {
                try {
                    caches.awaitSynced();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                report = reconciler.reconcileOnce();
                pruned += report.pruned();
                CycleReport last = report;
                if (report.count(SetStatus.State.FAILED) > 0) {
                    fail("a set failed: " + last.firstError() + "; " + last);
                }
                if (System.nanoTime() > deadline) {
                    fail("did not converge within " + timeout + "; last report: " + last);
                }
            } while (report.writes() > 0 || waitingForCacheDirectory(report));
            return new Converged(report, pruned);
        }

        private static boolean waitingForCacheDirectory(CycleReport report) {
            return report.sets().stream().anyMatch(set -> set.reason() == SetStatus.Reason.CACHE_DIRECTORY_PENDING);
        }

        HasMetadata runnerSet(KubernetesClient admin, String namespace, String name) {
            return admin.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(namespace).withName(name)
                    .get();
        }

        @Override
        public void close() {
            cache.close();
            caches.close();
            applyPool.shutdownNow();
        }
    }

    private static String read(Path file) {
        try {
            return Objects.toString(Files.readString(file), "");
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
