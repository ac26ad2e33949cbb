package dev.arcfleet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.reconcile.FleetReconciler;
import dev.arcfleet.status.CycleReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;

/**
 * The reconcile pipeline wired by hand against the test API server, in fresh namespaces, with an ARC
 * controller stand-in and a PAT credentials Secret. Tests drive cycles explicitly.
 */
public final class FleetFixture implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    public static final String ARC_VERSION = "0.13.0";

    public final KubernetesClient client;
    public final String namespace;
    public final TestSettings settings;
    public final MutableClock clock = new MutableClock();
    /** How often the informers asked for a cycle: what the daemon's loop would have run. */
    public final java.util.concurrent.atomic.AtomicLong cycleRequests = new java.util.concurrent.atomic.AtomicLong();
    private KubernetesClient daemonClient;
    private ExecutorService applyPool;
    private ClusterCache cache;
    private CacheManager caches;
    private FleetReconciler reconciler;
    private final java.util.List<ArcControllerStandIn> arcControllers = new java.util.concurrent.CopyOnWriteArrayList<>();

    private FleetFixture(KubernetesClient client, String namespace, TestSettings settings) {
        this.client = client;
        this.daemonClient = client;
        this.namespace = namespace;
        this.settings = settings;
    }

    /**
     * Namespaces, an ARC controller of {@link #ARC_VERSION}, a token Secret and an empty cache host-root;
     * no ConfigMap yet.
     */
    public static FleetFixture create(String purpose) {
        KubernetesClient client = TestApiServer.newClient();
        return create(client, TestApiServer.freshNamespace(client, purpose),
                TestApiServer.freshNamespace(client, purpose + "-arc"), purpose);
    }

    /**
     * The same in the daemon's default namespaces {@code arc-runners} and {@code arc-systems}, for the one
     * test per run that compares with what runs on defaults; the namespaces must not exist yet.
     */
    public static FleetFixture inDefaultNamespaces() {
        KubernetesClient client = TestApiServer.newClient();
        for (String namespace : java.util.List.of("arc-runners", "arc-systems")) {
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(namespace).endMetadata().build()).create();
        }
        return create(client, "arc-runners", "arc-systems", "defaults");
    }

    private static FleetFixture create(KubernetesClient client, String namespace, String controllerNamespace, String purpose) {
        Path hostRoot;
        try {
            hostRoot = Files.createTempDirectory("arcfleet-cache-" + purpose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        FleetFixture fixture = new FleetFixture(client, namespace,
                new TestSettings(namespace).controllerNamespace(controllerNamespace).cacheHostRoot(hostRoot));
        ArcFixtures.installController(client, controllerNamespace, ARC_VERSION);
        client.resource(ArcFixtures.tokenSecret(namespace, "arcfleet-github", "ghp_test_token")).create();
        return fixture;
    }

    /** The daemon reaches the API server through {@code daemonClient}, such as one behind a proxy; the test does not. */
    public FleetFixture daemonClient(KubernetesClient daemonClient) {
        this.daemonClient = daemonClient;
        return this;
    }

    /**
     * A second daemon beside this one: the same namespaces, ARC controller, credentials and cache
     * host-root, but its own client and informers and the repositories ConfigMap {@code configMap}.
     */
    public FleetFixture beside(String configMap) {
        return new FleetFixture(TestApiServer.newClient(), namespace, new TestSettings(namespace)
                .controllerNamespace(controllerNamespace()).cacheHostRoot(cacheHostRoot()).configMap(configMap));
    }

    public String controllerNamespace() {
        return settings.arc().controllerNamespace();
    }

    /** Starts the informers (once) and waits until they have listed everything. */
    public FleetReconciler reconciler() {
        if (reconciler == null) {
            applyPool = Executors.newFixedThreadPool(settings.reconcile().parallelism());
            cache = new ClusterCache(daemonClient, settings, cycleRequests::incrementAndGet, () -> {
            });
            try {
                if (!cache.awaitSynced(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new AssertionError("informers did not sync: " + cache.problems());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            caches = new CacheManager(settings.cache(), dev.arcfleet.settings.Owner.of(settings).value(), clock, cache::cacheUser, () -> {
            }, () -> true);
            reconciler = new FleetReconciler(daemonClient, settings, cache, caches, applyPool, java.time.Clock.systemUTC(), () -> true);
        }
        return reconciler;
    }

    /**
     * Stops the daemon's informers, cache manager and reconciler, as a restart does; the next use starts new ones,
     * which know only what the cluster and the node tell them.
     */
    public void restartDaemon() {
        if (cache != null) {
            cache.close();
            caches.close();
            reconciler.close();
            applyPool.shutdownNow();
            cache = null;
            caches = null;
            reconciler = null;
        }
    }

    public ClusterCache cache() {
        reconciler();
        return cache;
    }

    public CacheManager caches() {
        reconciler();
        return caches;
    }

    public Path cacheHostRoot() {
        return settings.cache().hostRoot();
    }

    /** Writes repositories.yaml and waits until the informer has seen this version of it. */
    public void writeRepositories(String yaml) {
        ConfigMap written = client.resource(ArcFixtures.repositories(namespace, settings.configMap(), yaml)).serverSideApply();
        awaitCached(written);
    }

    /** Waits until the cache holds {@code written} at its resourceVersion (or newer). */
    public void awaitCached(HasMetadata written) {
        reconciler();
        String version = written.getMetadata().getResourceVersion();
        Poll.until(TIMEOUT, "the informer to see " + written.getKind() + " " + written.getMetadata().getName(), () -> {
            HasMetadata cached = cache.get(ManagedKind.of(written), written.getMetadata().getNamespace(), written.getMetadata().getName()).orElse(null);
            return cached != null && Long.parseLong(cached.getMetadata().getResourceVersion()) >= Long.parseLong(version);
        });
    }

    public void awaitGoneFromCache(ManagedKind kind, String name) {
        reconciler();
        Poll.until(TIMEOUT, "the informer to see " + kind + " " + name + " deleted", () -> cache.get(kind, namespace, name).isEmpty());
    }

    /**
     * Runs cycles until one sends no write: what the daemon's loop does after watch events. Returns
     * the cycles' total writes and the last report.
     */
    public Converged converge() {
        long writes = 0;
        int cycles = 0;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        CycleReport report;
        do {
            awaitCacheWork();
            report = reconciler().reconcileOnce();
            writes += report.writes();
            cycles++;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("did not converge within " + TIMEOUT + "; last report: " + report);
            }
        } while (report.writes() > 0 || waitingForCache(report));
        return new Converged(report, writes, cycles);
    }

    private static boolean waitingForCache(CycleReport report) {
        return report.sets().stream().anyMatch(set -> set.reason() == dev.arcfleet.status.SetStatus.Reason.CACHE_DIRECTORY_PENDING);
    }

    private void awaitCacheWork() {
        try {
            caches().awaitSynced();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public record Converged(CycleReport last, long writes, int cycles) {
    }

    /** Starts an ARC controller stand-in of {@code version} for this fixture's namespaces; closed with the fixture. */
    public ArcControllerStandIn startArcController(String version) {
        ArcControllerStandIn arc = new ArcControllerStandIn(version, namespace, controllerNamespace()).start();
        arcControllers.add(arc);
        return arc;
    }

    /** Runs reconcile cycles, as the loop does after watch events, until {@code done} holds. */
    public CycleReport cycleUntil(String what, java.util.function.Predicate<CycleReport> done) {
        return Poll.until(TIMEOUT, what, () -> {
            awaitCacheWork();
            return reconciler().reconcileOnce();
        }, done);
    }

    /** ARC (the stand-in) registered the set on GitHub and runs its listener. */
    public boolean registeredByArc(String setName) {
        GenericKubernetesResource set = runnerSets().inNamespace(namespace).withName(setName).get();
        return set != null && set.getMetadata().getDeletionTimestamp() == null
                && set.getMetadata().getAnnotations().containsKey(ArcControllerStandIn.SCALE_SET_ID_ANNOTATION)
                && cache().listener(namespace, setName).isPresent();
    }

    /**
     * Every object in the namespace that carries arcfleet's label, as {@code Kind/name}, with
     * {@code (terminating)} appended while it is being deleted: the test's view of what is left.
     */
    public java.util.List<String> managedObjects() {
        java.util.List<HasMetadata> objects = new java.util.ArrayList<>();
        String label = "app.kubernetes.io/managed-by";
        objects.addAll(client.serviceAccounts().inNamespace(namespace).withLabel(label, "arcfleet").list().getItems());
        objects.addAll(client.rbac().roles().inNamespace(namespace).withLabel(label, "arcfleet").list().getItems());
        objects.addAll(client.rbac().roleBindings().inNamespace(namespace).withLabel(label, "arcfleet").list().getItems());
        objects.addAll(client.secrets().inNamespace(namespace).withLabel(label, "arcfleet").list().getItems());
        objects.addAll(client.configMaps().inNamespace(namespace).withLabel(label, "arcfleet").list().getItems());
        objects.addAll(runnerSets().inNamespace(namespace).withLabel(label, "arcfleet").list().getItems());
        return objects.stream().map(object -> object.getKind() + "/" + object.getMetadata().getName()
                + (object.getMetadata().getDeletionTimestamp() == null ? "" : " (terminating)")).sorted().toList();
    }

    public MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> runnerSets() {
        return client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS);
    }

    @Override
    public void close() {
        arcControllers.forEach(ArcControllerStandIn::close);
        if (daemonClient != client) {
            daemonClient.close();
        }
        if (cache != null) {
            cache.close();
            caches.close();
            reconciler.close();
            applyPool.shutdownNow();
        }
        client.close();
    }
}
