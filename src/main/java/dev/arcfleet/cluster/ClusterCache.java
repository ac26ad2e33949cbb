package dev.arcfleet.cluster;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.chart.ReleaseOwnerKeys;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Placement;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * Informers over everything a reconcile cycle reads, so that a cycle sends no LIST or GET and any
 * change (a ConfigMap edit, a rotated Secret, a hand-deleted set) wakes the loop at once.
 * Informers keep retrying when the API server is unreachable or the ARC CRD is missing. The managed kinds and pods are
 * watched in each runner namespace ({@link Placement#runnerNamespaces}), each with namespaced RBAC only.
 */
public final class ClusterCache implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClusterCache.class);

    /**
     * Pods as plain maps: {@link #cacheUser} reads only their phase and hostPath volumes, and the typed pod
     * model's deserializers take a quarter of a second of CPU to build before the first list is read.
     */
    private static final ResourceDefinitionContext PODS = new ResourceDefinitionContext.Builder().withGroup("")
            .withVersion("v1").withKind("Pod").withPlural("pods").withNamespaced(true).build();

    private static final String BY_SCALE_SET = "scale-set";
    private static final String BY_HELM_RELEASE = "helm-release";

    private final String namespace;
    private final List<String> runnerNamespaces;
    private final SharedIndexInformer<GenericKubernetesResource> controllerDeployments;
    private final String cacheNodeRoot;
    /** Every pod of each runner namespace, by namespace: job pods of the container hooks need not carry ARC's labels. */
    private final Map<String, SharedIndexInformer<GenericKubernetesResource>> pods = new LinkedHashMap<>();
    /** Outside {@link #synced()}: status may lack listeners, reconciling must not wait for them. */
    private final SharedIndexInformer<GenericKubernetesResource> listeners;
    /**
     * Outside {@link #synced()} too: only status reads them (where a bound cache claim is), and a daemon without
     * the ClusterRole to read them must still reconcile.
     */
    private final SharedIndexInformer<PersistentVolume> persistentVolumes;
    /** By kind, then by runner namespace. */
    private final Map<ManagedKind, Map<String, SharedIndexInformer<? extends HasMetadata>>> managed = new EnumMap<>(ManagedKind.class);
    private final String configMapName;
    private final ApiServerReachability reachability = new ApiServerReachability(Clock.systemUTC());
    private final Map<SharedIndexInformer<?>, String> descriptions = new ConcurrentHashMap<>();
    private final AtomicLong storeChanges = new AtomicLong();
    /** Every informer a cycle needs: whether they are synced and watching is whether the cluster can be read. */
    private final List<SharedIndexInformer<? extends HasMetadata>> informers;
    private volatile boolean everSynced;
    private volatile Set<String> readSecrets;
    /** Where the source credentials live: out of the runner namespace, whose jobs may read Secrets. */
    private final String credentialsNamespace;
    /** The managed Secrets' informer when the credentials live in a runner namespace too. */
    private final SharedIndexInformer<Secret> credentials;

    /**
     * @param onChange called for changes that can alter what a cycle does: desired state or drift
     * @param onStatusChange called for every change, including those that only alter what status shows
     */
    public ClusterCache(KubernetesClient client, ArcfleetConfig config, Runnable onChange, Runnable onStatusChange) {
        this.namespace = config.namespace();
        this.runnerNamespaces = Placement.runnerNamespaces(config);
        this.configMapName = config.configMap();
        this.readSecrets = Set.of(config.github().credentialsSecret());
        this.cacheNodeRoot = config.cache().nodeRoot();
        String controllerNamespace = config.arc().controllerNamespace();
        controllerDeployments = prepare("ARC controller Deployments in " + controllerNamespace,
                client.genericKubernetesResources(ArcControllerDiscovery.DEPLOYMENTS).inNamespace(controllerNamespace)
                        .withLabel(ArcKeys.PART_OF, ArcKeys.PART_OF_CONTROLLER)
                        .runnableInformer(0),
                trigger(object -> true, onChange, onStatusChange));
        SharedIndexInformer<GenericKubernetesResource> listenerInformer = client.genericKubernetesResources(ArcApi.AUTOSCALING_LISTENERS)
                .inNamespace(controllerNamespace).runnableInformer(0);
        // Status looks up each set's listener; a scan of every listener per set grew with the square of the fleet.
        listenerInformer.addIndexers(Map.of(BY_SCALE_SET, listener -> Optional.ofNullable(listener.getMetadata().getLabels())
                .filter(labels -> labels.containsKey(ArcKeys.SCALE_SET_NAME) && labels.containsKey(ArcKeys.SCALE_SET_NAMESPACE))
                .map(labels -> List.of(key(labels.get(ArcKeys.SCALE_SET_NAMESPACE), labels.get(ArcKeys.SCALE_SET_NAME))))
                .orElse(List.of())));
        listeners = prepare("AutoscalingListeners in " + controllerNamespace, listenerInformer,
                trigger(object -> false, onChange, onStatusChange));
        persistentVolumes = prepare("PersistentVolumes", client.persistentVolumes().runnableInformer(0),
                trigger(object -> false, onChange, onStatusChange));
        for (String runnerNamespace : runnerNamespaces) {
            // Every pod, whatever its labels: any of them may mount a set's cache directory. Pods wake no cycle.
            pods.put(runnerNamespace, prepare("Pods in " + runnerNamespace, client.genericKubernetesResources(PODS)
                    .inNamespace(runnerNamespace).runnableInformer(0), trigger(object -> false, onChange, onStatusChange)));
            watchManaged(client, runnerNamespace, onChange, onStatusChange)
                    .forEach((kind, informer) -> managed.computeIfAbsent(kind, any -> new LinkedHashMap<>()).put(runnerNamespace, informer));
        }
        credentialsNamespace = Placement.current().credentialsNamespace(config);
        @SuppressWarnings("unchecked")
        SharedIndexInformer<Secret> runnerNamespaceSecrets = (SharedIndexInformer<Secret>) managed.get(ManagedKind.SECRET)
                .get(credentialsNamespace);
        credentials = runnerNamespaceSecrets != null ? runnerNamespaceSecrets
                : prepare("credentials Secrets in " + credentialsNamespace,
                        client.secrets().inNamespace(credentialsNamespace).runnableInformer(0),
                        trigger(secret -> readSecrets.contains(secret.getMetadata().getName()), onChange, onStatusChange));
        informers = Stream.of(Stream.of(controllerDeployments, credentials), pods.values().stream(),
                managed.values().stream().flatMap(byNamespace -> byNamespace.values().stream()))
                .<SharedIndexInformer<? extends HasMetadata>>flatMap(all -> all).distinct().toList();
    }

    private Map<ManagedKind, SharedIndexInformer<? extends HasMetadata>> watchManaged(KubernetesClient client, String runnerNamespace,
            Runnable onChange, Runnable onStatusChange) {
        ResourceEventHandler<HasMetadata> managedOnly = trigger(Labels::managedByArcfleet, onChange, onStatusChange);
        return Map.of(
                ManagedKind.SERVICE_ACCOUNT, prepare("ServiceAccounts in " + runnerNamespace,
                        client.serviceAccounts().inNamespace(runnerNamespace).runnableInformer(0), managedOnly),
                ManagedKind.ROLE, prepare("Roles in " + runnerNamespace,
                        client.rbac().roles().inNamespace(runnerNamespace).runnableInformer(0), managedOnly),
                ManagedKind.ROLE_BINDING, prepare("RoleBindings in " + runnerNamespace,
                        client.rbac().roleBindings().inNamespace(runnerNamespace).runnableInformer(0), managedOnly),
                // Also the credential sources, so a rotated token reaches the sets at once, and Helm's release
                // records, so a set Helm still owns is taken over as soon as its records are deleted.
                ManagedKind.SECRET, prepare("Secrets in " + runnerNamespace,
                        byHelmRelease(client.secrets().inNamespace(runnerNamespace).runnableInformer(0)),
                        trigger(secret -> Labels.managedByArcfleet(secret) || readSecrets.contains(secret.getMetadata().getName())
                                || helmRecord(secret).isPresent(), onChange, onStatusChange)),
                // Also the repositories ConfigMap, and Helm's release records where HELM_DRIVER=configmap keeps them.
                ManagedKind.CONFIG_MAP, prepare("ConfigMaps in " + runnerNamespace,
                        byHelmRelease(client.configMaps().inNamespace(runnerNamespace).runnableInformer(0)),
                        trigger(configMap -> Labels.managedByArcfleet(configMap)
                                || configMapName.equals(configMap.getMetadata().getName()) || helmRecord(configMap).isPresent(),
                                onChange, onStatusChange)),
                // A claim's phase changes wake a cycle too: status shows it.
                ManagedKind.PERSISTENT_VOLUME_CLAIM, prepare("PersistentVolumeClaims in " + runnerNamespace,
                        client.persistentVolumeClaims().inNamespace(runnerNamespace).runnableInformer(0), managedOnly),
                ManagedKind.AUTOSCALING_RUNNER_SET, prepare("AutoscalingRunnerSets in " + runnerNamespace
                        + " (is ARC's CRD installed?)",
                        client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS).inNamespace(runnerNamespace).runnableInformer(0),
                        managedOnly));
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> byHelmRelease(SharedIndexInformer<T> informer) {
        informer.addIndexers(Map.of(BY_HELM_RELEASE, object -> helmRecord(object).map(List::of).orElse(List.of())));
        return informer;
    }

    private static Optional<String> helmRecord(HasMetadata object) {
        return ReleaseOwnerKeys.helmRecordRelease(object.getMetadata().getName(), object.getMetadata().getLabels());
    }

    /**
     * Wakes the loop only for objects that {@code relevant} accepts, and only for changes beyond their
     * status: ARC updates a set's status and its runners' Secrets and pods all the time, and none of that
     * changes what arcfleet would write.
     */
    private static ResourceEventHandler<HasMetadata> trigger(Predicate<HasMetadata> relevant, Runnable onChange,
            Runnable onStatusChange) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata object) {
                changed(object, true);
            }

            @Override
            public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {
                changed(newObject, beyondStatus(oldObject, newObject) || relevant.test(oldObject) != relevant.test(newObject));
            }

            @Override
            public void onDelete(HasMetadata object, boolean finalStateUnknown) {
                changed(object, true);
            }

            private void changed(HasMetadata object, boolean mayMatter) {
                onStatusChange.run();
                if (mayMatter && relevant.test(object)) {
                    onChange.run();
                }
            }
        };
    }

    private static boolean beyondStatus(HasMetadata before, HasMetadata after) {
        ObjectMeta was = before.getMetadata();
        ObjectMeta is = after.getMetadata();
        boolean sameSpec = was.getGeneration() != null && Objects.equals(was.getGeneration(), is.getGeneration());
        // Objects without a generation (Secrets, ConfigMaps, RBAC) have no status to change: any update counts.
        return !sameSpec || !Objects.equals(was.getLabels(), is.getLabels())
                || !Objects.equals(was.getAnnotations(), is.getAnnotations())
                || !Objects.equals(was.getFinalizers(), is.getFinalizers())
                || !Objects.equals(was.getDeletionTimestamp(), is.getDeletionTimestamp());
    }

    /**
     * Keeps objects without their managedFields, which nothing here reads: on an AutoscalingRunnerSet that
     * ARC and arcfleet both write they are a large part of the object, and of the daemon's heap.
     */
    private final class WithoutManagedFields<T extends HasMetadata> extends BasicItemStore<T> {
        WithoutManagedFields() {
            super(Cache::metaNamespaceKeyFunc);
        }

        // Counted after the store changed: whoever reads the new count then finds the new object, and whoever
        // read the old count looks again at the next cycle. Counted before, a cycle could read the new count,
        // find the old object, and take it as settled for good.
        @Override
        public T put(String key, T object) {
            object.getMetadata().setManagedFields(null);
            T previous = super.put(key, object);
            storeChanges.incrementAndGet();
            return previous;
        }

        @Override
        public T remove(String key) {
            T removed = super.remove(key);
            storeChanges.incrementAndGet();
            return removed;
        }
    }

    /**
     * Counts every object any informer stored or removed: while it stands still, whatever was concluded
     * from the caches still holds.
     */
    public long storeChanges() {
        return storeChanges.get();
    }

    /** The credential Secrets the configuration refers to: changes to them wake the loop. */
    public void readSecrets(Set<String> names) {
        readSecrets = Set.copyOf(names);
    }

    private <T extends HasMetadata> SharedIndexInformer<T> prepare(String description, SharedIndexInformer<T> informer,
            ResourceEventHandler<HasMetadata> trigger) {
        informer.addEventHandler(trigger);
        return start(description, informer);
    }

    private <T extends HasMetadata> SharedIndexInformer<T> start(String description, SharedIndexInformer<T> informer) {
        informer.itemStore(new WithoutManagedFields<>());
        informer.exceptionHandler((started, error) -> {
            reachability.failed(description, error);
            return true;
        });
        informer.start();
        descriptions.put(informer, description);
        return informer;
    }

    /** Whether every informer has listed once; before that a cycle would see a partial cluster. */
    public boolean synced() {
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** Whether every informer currently has a watch open: the API server is reachable. */
    public boolean watching() {
        return informers.stream().allMatch(SharedIndexInformer::isWatching);
    }

    /**
     * Notes, and logs once, an outage starting or ending; the loop calls it every second, so it does
     * nothing beyond asking each informer.
     */
    public void checkReachability() {
        List<String> down = new ArrayList<>();
        boolean allSynced = true;
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            allSynced &= informer.hasSynced();
            if (!informer.isWatching()) {
                down.add(descriptions.get(informer));
            }
        }
        everSynced |= allSynced;
        down.sort(null);
        reachability.check(down, everSynced);
    }

    /** Why informers are not synced or watching, for readiness and logs. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        reachability.problem().ifPresent(problems::add);
        if (problems.isEmpty() && !synced()) {
            problems.add("waiting for the first list of cluster objects");
        }
        return problems;
    }

    /** Waits up to {@code timeout} for every informer to sync; false if they did not. */
    public boolean awaitSynced(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!synced()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            // The first cycle waits here at start, and readiness with it.
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return true;
    }

    /** A ConfigMap of {@code arcfleet.namespace}, such as the repositories ConfigMap. */
    public Optional<ConfigMap> configMap(String name) {
        return get(ManagedKind.CONFIG_MAP, namespace, name).map(ConfigMap.class::cast);
    }

    /**
     * What may be using the set's cache directory: a pod of any runner namespace that has not finished and has a
     * hostPath volume at or under {@code <node-root>/<set>}, whatever its labels. While the pods cannot be
     * seen (not listed yet, or the watch is down), that is the answer too, so nothing is deleted blind.
     */
    public Optional<String> cacheUser(String setName) {
        Optional<String> unseen = pods.entrySet().stream().filter(inNamespace -> !inNamespace.getValue().hasSynced()
                || !inNamespace.getValue().isWatching()).findFirst()
                .map(inNamespace -> "the pods in " + inNamespace.getKey() + " cannot be seen right now");
        if (unseen.isPresent()) {
            return unseen;
        }
        Path setDirectory = Path.of(RunnerSetRenderer.setCacheNodePath(cacheNodeRoot, setName)).normalize();
        return pods.values().stream().flatMap(inNamespace -> inNamespace.getStore().list().stream())
                .filter(pod -> !"Succeeded".equals(pod.get("status", "phase")) && !"Failed".equals(pod.get("status", "phase")))
                .filter(pod -> pod.get("spec", "volumes") instanceof List<?> volumes && volumes.stream()
                        .anyMatch(volume -> volume instanceof Map<?, ?> map && map.get("hostPath") instanceof Map<?, ?> hostPath
                                && hostPath.get("path") instanceof String path
                                && Path.of(path).normalize().startsWith(setDirectory)))
                .findFirst().map(pod -> "pod " + pod.getMetadata().getName());
    }

    /**
     * A pod of the claim's namespace whose volumes name the claim, in any phase: a claim is deleted only once no pod
     * object refers to it at all. While the pods cannot be seen, that is the answer too.
     */
    public Optional<String> claimUser(String claimNamespace, String claimName) {
        SharedIndexInformer<GenericKubernetesResource> inNamespace = pods.get(claimNamespace);
        if (inNamespace == null || !inNamespace.hasSynced() || !inNamespace.isWatching()) {
            return Optional.of("the pods in " + claimNamespace + " cannot be seen right now");
        }
        return inNamespace.getStore().list().stream()
                .filter(pod -> pod.get("spec", "volumes") instanceof List<?> volumes && volumes.stream()
                        .anyMatch(volume -> volume instanceof Map<?, ?> map
                                && map.get("persistentVolumeClaim") instanceof Map<?, ?> claim
                                && claimName.equals(claim.get("claimName"))))
                .findFirst().map(pod -> "pod " + pod.getMetadata().getName());
    }

    public List<GenericKubernetesResource> controllerDeployments() {
        return controllerDeployments.getStore().list();
    }

    /** A source credentials Secret, from {@code arcfleet.github.credentials-namespace}. */
    public Optional<Secret> credentialsSecret(String name) {
        return Optional.ofNullable(credentials.getStore().getByKey(key(credentialsNamespace, name)));
    }

    public String credentialsNamespace() {
        return credentialsNamespace;
    }

    /** Empty in a namespace that is not watched. */
    public Optional<HasMetadata> get(ManagedKind kind, String objectNamespace, String name) {
        return Optional.ofNullable(managed.get(kind).get(objectNamespace))
                .map(informer -> informer.getStore().getByKey(key(objectNamespace, name)));
    }

    /** In every runner namespace. */
    public Stream<HasMetadata> all(ManagedKind kind) {
        return managed.get(kind).values().stream().flatMap(informer -> informer.getStore().list().stream())
                .map(HasMetadata.class::cast);
    }

    /**
     * The names of Helm's release records of {@code release} in {@code releaseNamespace} (Secrets, or ConfigMaps
     * with {@code HELM_DRIVER=configmap}), from the informers' indexes; empty when Helm has forgotten the release,
     * or when the records live in a namespace these informers do not watch ({@link #seesHelmRecordsIn}).
     */
    public List<String> helmReleaseRecords(String releaseNamespace, String release) {
        if (!seesHelmRecordsIn(releaseNamespace)) {
            return List.of();
        }
        return Stream.of(ManagedKind.SECRET, ManagedKind.CONFIG_MAP)
                .flatMap(kind -> managed.get(kind).get(releaseNamespace).getIndexer().byIndex(BY_HELM_RELEASE, release).stream())
                .map(record -> record.getMetadata().getName()).sorted().toList();
    }

    /** {@code arcfleet.namespace}: where the repositories ConfigMap is, and a set goes whose repository names none. */
    public String namespace() {
        return namespace;
    }

    /** Whether sets may live in {@code runnerNamespace}: arcfleet watches it, and may write there. */
    public boolean watches(String runnerNamespace) {
        return runnerNamespaces.contains(runnerNamespace);
    }

    /** Whether Helm's release records in {@code releaseNamespace} are watched: only the runner namespaces' are. */
    public boolean seesHelmRecordsIn(String releaseNamespace) {
        return watches(releaseNamespace);
    }

    /** ARC's listener of the set, if the controller has created one. */
    public Optional<GenericKubernetesResource> listener(String setNamespace, String setName) {
        return listeners.getIndexer().byIndex(BY_SCALE_SET, key(setNamespace, setName)).stream().findFirst();
    }

    /** A PersistentVolume, as far as arcfleet may read them. */
    public Optional<PersistentVolume> persistentVolume(String name) {
        return Optional.ofNullable(persistentVolumes.getStore().getByKey(name));
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        listeners.close();
        persistentVolumes.close();
    }

    /**
     * resourceVersions are opaque to clients, but every API server backed by etcd issues increasing
     * integers; anything else only counts as caught up when equal.
     */
    public static boolean atOrAfter(String cached, String written) {
        try {
            return Long.parseLong(cached) >= Long.parseLong(written);
        } catch (NumberFormatException e) {
            return cached.equals(written);
        }
    }
}
