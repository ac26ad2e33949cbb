package dev.arcfleet.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.DesiredCache;
import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.FleetConfig;
import dev.arcfleet.config.FleetConfigParser;
import dev.arcfleet.config.InvalidFleetConfigException;
import dev.arcfleet.config.RepositoryConfig;
import dev.arcfleet.config.RunnerSet;
import dev.arcfleet.reconcile.ClusterCache.ManagedKind;
import dev.arcfleet.render.ArcController;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.DesiredRunnerSet;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * One reconcile cycle: ConfigMap → validated config → rendered sets → compared with the informer
 * caches → applies and prunes. Never deletes on bad input: without a valid configuration, a known
 * ARC controller and synced caches, it changes nothing.
 */
public final class FleetReconciler {

    private static final Logger LOG = Logger.getLogger(FleetReconciler.class);
    private static final Duration CACHE_CATCH_UP_TIMEOUT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final ArcfleetConfig config;
    private final ClusterCache cache;
    private final CacheManager caches;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final ExecutorService applyPool;
    private final CredentialsResolver credentials;
    private final FleetConfigParser parser = new FleetConfigParser();
    private final CycleProgress progress = new CycleProgress(Clock.systemUTC());

    private volatile FleetConfig lastValidConfig;
    private final Map<String, Instant> lastApplied = new java.util.concurrent.ConcurrentHashMap<>();
    private String lastConfigProblem;
    private String lastBlocker;
    private Integer kubernetesMinorVersion;
    private Map<String, SetStatus> lastSetStatuses = Map.of();

    public FleetReconciler(KubernetesClient client, ArcfleetConfig config, ClusterCache cache, CacheManager caches,
            ExecutorService applyPool) {
        this.client = client;
        this.config = config;
        this.cache = cache;
        this.caches = caches;
        this.writer = new ApiWriter(client);
        this.events = new EventRecorder(writer);
        this.applyPool = applyPool;
        this.credentials = new CredentialsResolver(config.github(), cache::secret);
    }

    /** The configuration being enforced: the last valid one read. */
    public Optional<FleetConfig> lastValidConfig() {
        return Optional.ofNullable(lastValidConfig);
    }

    /** When arcfleet last wrote an object of each set. */
    public Map<String, Instant> lastApplied() {
        return Map.copyOf(lastApplied);
    }

    /** How far the running cycle, or the last one, got through its sets. */
    public CycleProgress progress() {
        return progress;
    }

    /** Write requests sent since start, by verb and kind. */
    public Map<ApiWriter.WriteKind, Long> writeCounts() {
        return writer.writeCounts();
    }

    public CycleReport reconcileOnce() {
        Instant startedAt = Instant.now();
        long writesBefore = writer.totalWrites();
        Cycle cycle = new Cycle();
        if (!cache.synced()) {
            cycle.blocker = "cluster not readable: " + String.join("; ", cache.problems());
            cycle.configProblem = "ConfigMap not read: " + cycle.blocker;
            cycle.arcControllerProblem = "ARC controller not looked up: " + cycle.blocker;
        } else {
            cycle.configProblem = readConfig();
            Outcome<ArcController> arc = ArcControllerDiscovery.discover(config.arc(), config.namespace(),
                    cache.controllerDeployments());
            cycle.arcController = arc.value();
            cycle.arcControllerProblem = arc.problem();
            if (lastValidConfig == null) {
                cycle.blocker = "no valid configuration yet, nothing is changed: " + cycle.configProblem;
            } else if (arc.value().isEmpty()) {
                cycle.blocker = arc.problem();
            } else {
                reconcile(lastValidConfig, arc.value().get(), cycle);
            }
        }
        CycleReport report = new CycleReport(startedAt, Duration.between(startedAt, Instant.now()), cycle.configProblem,
                cycle.arcController, cycle.arcControllerProblem, cycle.blocker, cycle.sets, cycle.pruned,
                writer.totalWrites() - writesBefore);
        logChanges(report);
        return report;
    }

    private final class Cycle {
        String configProblem;
        Optional<ArcController> arcController = Optional.empty();
        String arcControllerProblem;
        String blocker;
        List<SetStatus> sets = List.of();
        int pruned;
    }

    /** Parses the ConfigMap; keeps the last valid configuration when it is missing or invalid. */
    private String readConfig() {
        String source = "ConfigMap " + config.namespace() + "/" + config.configMap();
        Optional<ConfigMap> configMap = cache.configMap(config.configMap());
        if (configMap.isEmpty()) {
            return source + " not found";
        }
        String text = Optional.ofNullable(configMap.get().getData()).map(data -> data.get(FleetConfigParser.CONFIG_MAP_KEY))
                .orElse(null);
        if (text == null) {
            return source + " has no key " + FleetConfigParser.CONFIG_MAP_KEY;
        }
        try {
            lastValidConfig = parser.parse(text);
            events.resolved(configMap.get(), "InvalidConfiguration", "");
            return null;
        } catch (InvalidFleetConfigException e) {
            events.warning(configMap.get(), "InvalidConfiguration", "", "repositories.yaml is invalid, the last valid "
                    + "configuration stays in force: " + e.getMessage());
            return source + " key " + FleetConfigParser.CONFIG_MAP_KEY + " is invalid: " + e.getMessage();
        }
    }

    private void reconcile(FleetConfig fleet, ArcController arcController, Cycle cycle) {
        Optional<Integer> minorVersion = kubernetesMinorVersion();
        if (minorVersion.isEmpty()) {
            cycle.blocker = "cannot read the Kubernetes version of the API server";
            return;
        }
        ClusterFacts facts = new ClusterFacts(config.namespace(), config.github().url(), arcController, minorVersion.get(),
                config.cache().nodeRoot());
        caches.desire(fleet.runnerSets().stream().collect(Collectors.toMap(RunnerSet::name, DesiredCache::of)));

        Map<String, DesiredRunnerSet> rendered = new LinkedHashMap<>();
        Map<String, SetStatus> statuses = new LinkedHashMap<>();
        for (RepositoryConfig repository : fleet.repositories()) {
            Outcome<GithubCredentials> repositoryCredentials = credentials.resolve(repository);
            for (RunnerSet set : repository.runnerSets()) {
                if (repositoryCredentials.value().isPresent()) {
                    rendered.put(set.name(), RunnerSetRenderer.render(set, facts, repositoryCredentials.value().get()));
                } else {
                    statuses.put(set.name(), new SetStatus(set.name(), repository.fullName(), SetStatus.State.FAILED,
                            repositoryCredentials.problem()));
                }
            }
        }

        List<HasMetadata> written = new CopyOnWriteArrayList<>();
        progress.start(rendered.size());
        List<CompletableFuture<SetStatus>> applies = rendered.values().stream()
                .map(desired -> CompletableFuture.supplyAsync(() -> applySet(desired, written), applyPool)).toList();
        for (CompletableFuture<SetStatus> apply : applies) {
            SetStatus status = apply.join();
            statuses.put(status.name(), status);
            progress.finished(status.state());
        }
        Set<String> desiredSetNames = fleet.runnerSets().stream().map(RunnerSet::name).collect(Collectors.toSet());
        cycle.pruned = prune(desiredSetNames, rendered);
        awaitCacheCaughtUp(written);
        List<SetStatus> ordered = new ArrayList<>();
        fleet.runnerSets().forEach(set -> ordered.add(statuses.get(set.name())));
        cycle.sets = ordered;
    }

    private SetStatus applySet(DesiredRunnerSet desired, List<HasMetadata> written) {
        String setName = desired.set().name();
        String repository = desired.set().repository().fullName();
        List<String> conflicts = new ArrayList<>();
        List<String> terminating = new ArrayList<>();
        Optional<HasMetadata> liveRunnerSet = cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, setName);
        try {
            for (HasMetadata object : desired.allObjects()) {
                Optional<HasMetadata> live = cache.get(ManagedKind.of(object), object.getMetadata().getName());
                if (live.isEmpty()) {
                    continue;
                }
                if (!managedByArcfleet(live.get())) {
                    conflicts.add(object.getKind() + " " + object.getMetadata().getName());
                } else if (live.get().getMetadata().getDeletionTimestamp() != null) {
                    terminating.add(object.getKind() + " " + object.getMetadata().getName());
                    boolean setStays = liveRunnerSet.filter(set -> set.getMetadata().getDeletionTimestamp() == null).isPresent();
                    if (setStays && holdsCleanupFinalizer(live.get())) {
                        writer.releaseCleanupFinalizer(live.get());
                    }
                }
            }
            Optional<ConfigMap> configMap = cache.configMap(config.configMap());
            if (!conflicts.isEmpty()) {
                String detail = "not managed by arcfleet, left untouched: " + String.join(", ", conflicts) + " (add label "
                        + Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_ARCFLEET + " to hand it over, or delete it)";
                configMap.ifPresent(source -> events.warning(source, "Conflict", setName, "runner set " + setName + ": " + detail));
                return new SetStatus(setName, repository, SetStatus.State.CONFLICT, detail);
            }
            configMap.ifPresent(source -> events.resolved(source, "Conflict", setName));
            if (!terminating.isEmpty()) {
                return new SetStatus(setName, repository, SetStatus.State.WAITING,
                        "waiting for deletion of " + String.join(", ", terminating) + " to finish");
            }
            // A new set waits for its cache directory: kubelet would otherwise create it root-owned, or fail the pod.
            boolean holdRunnerSet = liveRunnerSet.isEmpty() && !caches.ready(setName);
            for (HasMetadata object : holdRunnerSet ? desired.companions() : desired.allObjects()) {
                Optional<HasMetadata> live = cache.get(ManagedKind.of(object), object.getMetadata().getName());
                if (live.isEmpty() || !Drift.inSync(object, live.get())) {
                    HasMetadata stored = writer.apply(object);
                    written.add(stored);
                    lastApplied.put(setName, Instant.now());
                    if (live.isEmpty() && stored.getKind().equals(RunnerSetRenderer.AUTOSCALING_RUNNER_SET_KIND)) {
                        events.normal(stored, "Created", "created by arcfleet for " + repository + ", instance "
                                + desired.set().instance());
                    }
                    LOG.infof("%s %s %s", live.isEmpty() ? "Created" : "Updated", object.getKind(), object.getMetadata().getName());
                }
            }
            if (holdRunnerSet) {
                return new SetStatus(setName, repository, SetStatus.State.WAITING, "waiting for its cache directory: "
                        + Optional.ofNullable(caches.report().setProblems().get(setName))
                                .or(() -> caches.report().problem()).orElse("being created"));
            }
            return new SetStatus(setName, repository, SetStatus.State.READY, "in sync");
        } catch (ApiWriter.WriteFailedException e) {
            return new SetStatus(setName, repository, SetStatus.State.FAILED, e.getMessage());
        }
    }

    /**
     * Deletes managed objects no longer desired, AutoscalingRunnerSets first so ARC deregisters them
     * while their companions (held by ARC's cleanup finalizer) still exist.
     */
    private int prune(Set<String> desiredSetNames, Map<String, DesiredRunnerSet> rendered) {
        List<HasMetadata> runnerSets = new ArrayList<>();
        List<HasMetadata> companions = new ArrayList<>();
        for (ManagedKind kind : ManagedKind.values()) {
            cache.all(kind).filter(live -> prunable(kind, live, desiredSetNames, rendered))
                    .forEach(kind == ManagedKind.AUTOSCALING_RUNNER_SET ? runnerSets::add : companions::add);
        }
        int pruned = 0;
        for (List<HasMetadata> batch : List.of(runnerSets, companions)) {
            for (HasMetadata live : batch) {
                try {
                    writer.delete(live);
                    pruned++;
                    if (live.getKind().equals(RunnerSetRenderer.AUTOSCALING_RUNNER_SET_KIND)) {
                        events.normal(live, "Pruned", "no longer in the configuration; ARC deregisters it from GitHub");
                    }
                    LOG.infof("Pruned %s %s", live.getKind(), live.getMetadata().getName());
                } catch (ApiWriter.WriteFailedException e) {
                    LOG.warnf("Prune failed, retrying next cycle: %s", e.getMessage());
                }
            }
        }
        return pruned;
    }

    /**
     * Waits briefly until the informers show what this cycle applied, so the next cycle compares
     * against it rather than against a stale copy and sends no redundant write.
     */
    private void awaitCacheCaughtUp(List<HasMetadata> written) {
        long deadline = System.nanoTime() + CACHE_CATCH_UP_TIMEOUT.toNanos();
        for (HasMetadata object : written) {
            ManagedKind kind = ManagedKind.of(object);
            String version = object.getMetadata().getResourceVersion();
            while (!cache.get(kind, object.getMetadata().getName())
                    .map(cached -> cached.getMetadata().getResourceVersion().equals(version)).orElse(false)) {
                if (System.nanoTime() > deadline) {
                    return;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static boolean prunable(ManagedKind kind, HasMetadata live, Set<String> desiredSetNames,
            Map<String, DesiredRunnerSet> rendered) {
        String setName = Optional.ofNullable(live.getMetadata().getLabels()).map(labels -> labels.get(Labels.SET)).orElse(null);
        // ARC copies a set's labels onto objects it creates; only names arcfleet renders are arcfleet's.
        if (setName == null || !managedByArcfleet(live) || !renderedNames(setName).contains(live.getMetadata().getName())
                || live.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (!desiredSetNames.contains(setName)) {
            return true;
        }
        DesiredRunnerSet desired = rendered.get(setName);
        // A desired set that could not be rendered (credentials missing) keeps everything it has.
        return desired != null && desired.allObjects().stream().noneMatch(object -> object.getKind().equals(kind.kind())
                && object.getMetadata().getName().equals(live.getMetadata().getName()));
    }

    private static Set<String> renderedNames(String setName) {
        return Set.of(setName, RunnerSetRenderer.kubeModeName(setName), RunnerSetRenderer.managerName(setName),
                RunnerSetRenderer.githubSecretName(setName), RunnerSetRenderer.noPermissionName(setName),
                RunnerSetRenderer.hookTemplateName(setName));
    }

    private static boolean managedByArcfleet(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels != null && Labels.MANAGED_BY_ARCFLEET.equals(labels.get(Labels.MANAGED_BY));
    }

    private static boolean holdsCleanupFinalizer(HasMetadata object) {
        List<String> finalizers = object.getMetadata().getFinalizers();
        return finalizers != null && finalizers.contains(RunnerSetRenderer.CLEANUP_FINALIZER);
    }

    private Optional<Integer> kubernetesMinorVersion() {
        if (kubernetesMinorVersion == null) {
            try {
                // "29+" on some distributions
                kubernetesMinorVersion = Integer.valueOf(client.getKubernetesVersion().getMinor().replaceAll("[^0-9]", ""));
            } catch (KubernetesClientException | NumberFormatException e) {
                LOG.warnf("Cannot read the Kubernetes version: %s", e.getMessage());
                return Optional.empty();
            }
        }
        return Optional.of(kubernetesMinorVersion);
    }

    /** Logs what changed since the last cycle, so an unchanged problem is not repeated every interval. */
    private void logChanges(CycleReport report) {
        String configProblem = report.configProblem();
        // Unread because the cluster is unreadable: the blocker says so once.
        if (cache.synced() && !Objects.equals(configProblem, lastConfigProblem)) {
            if (configProblem == null) {
                LOG.infof("Configuration valid: %d repositories, %d runner sets", lastValidConfig.repositories().size(),
                        lastValidConfig.runnerSets().size());
            } else {
                LOG.errorf("%s; %s", configProblem, lastValidConfig == null ? "nothing is changed"
                        : "keeping the last valid configuration, nothing is deleted");
            }
            lastConfigProblem = configProblem;
        }
        if (!Objects.equals(report.blocker(), lastBlocker)) {
            if (report.blocker() != null) {
                LOG.errorf("Reconcile blocked, nothing is changed: %s", report.blocker());
            }
            lastBlocker = report.blocker();
        }
        Map<String, SetStatus> statuses = new HashMap<>();
        for (SetStatus status : report.sets()) {
            statuses.put(status.name(), status);
            SetStatus previous = lastSetStatuses.get(status.name());
            if (status.state() != SetStatus.State.READY && !status.equals(previous)) {
                LOG.warnf("Runner set %s (%s): %s: %s", status.name(), status.repository(), status.state(), status.detail());
            }
        }
        lastSetStatuses = statuses;
    }
}
