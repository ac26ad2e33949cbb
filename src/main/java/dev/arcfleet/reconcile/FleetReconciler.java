package dev.arcfleet.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheState;
import dev.arcfleet.cache.DesiredCache;
import dev.arcfleet.chart.KubeMinorVersion;
import dev.arcfleet.claims.CacheClaims;
import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.ArcControllerDiscovery;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.EventRecorder;
import dev.arcfleet.cluster.Outcome;
import dev.arcfleet.cluster.WriteFence;
import dev.arcfleet.fleet.ArcRequirements;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.guard.DeleteLoopBreaker;
import dev.arcfleet.guard.SetBackoff;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.Runners;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.status.CycleLog;
import dev.arcfleet.status.CycleProgress;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus.Reason;
import dev.arcfleet.status.SetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * One reconcile cycle: ConfigMap → validated config → rendered sets → each set applied, then pruned, against
 * the informer caches → prune. Never deletes on bad input: without a valid configuration, a known
 * ARC controller and synced caches, it changes nothing.
 */
public final class FleetReconciler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FleetReconciler.class);
    private static final Duration NEW_DIRECTORIES_WAIT = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final ArcfleetConfig config;
    private final ClusterCache cache;
    private final CacheManager caches;
    private final ApiWriter writer;
    private final ExecutorService applyPool;
    private final CredentialsResolver credentials;
    private final ConfigSource configSource;
    private final DeleteLoopBreaker breaker;
    private final SetApply applier;
    private final SetPrune pruner;
    private final CacheClaims claims;
    private final MemoizedRenderer renderer = new MemoizedRenderer();
    private final CycleLog cycleLog = new CycleLog();
    private final CycleProgress progress = new CycleProgress(Clock.systemUTC());
    private final Owner owner;
    /**
     * The most Events one cycle raises: at most two per set (Created and Drained of a new set, or one Conflict or
     * DeleteLoop), one per set pruned, which was in a fleet of at most max-sets too, and one about the ConfigMap.
     * At the default 1,000 sets, 3,001 Events of an estimated 1 to 2 KB each: a few MiB, for the length of a cycle.
     */
    private final int heldEventsLimit;

    private Integer kubernetesMinorVersion;
    /** What the delete-loop breaker was last armed for; a change of either lets halted sets try again. */
    private List<Object> breakerInputs = List.of();

    public FleetReconciler(KubernetesClient client, ArcfleetConfig config, ClusterCache cache, CacheManager caches,
            ExecutorService applyPool, Clock clock, WriteFence fence) {
        this.client = client;
        this.config = config;
        this.cache = cache;
        this.caches = caches;
        this.writer = new ApiWriter(client, fence, config.reconcile().appliesInFlight());
        this.applyPool = applyPool;
        this.credentials = new CredentialsResolver(config.github(), cache.credentialsNamespace(), cache::credentialsSecret);
        EventRecorder events = new EventRecorder(writer);
        this.configSource = new ConfigSource(client, cache, config.namespace(), config.configMap(), config.maxSets(), events);
        this.breaker = new DeleteLoopBreaker(clock);
        this.owner = Owner.of(config);
        this.heldEventsLimit = 3 * config.maxSets() + 1;
        this.applier = new SetApply(cache, writer, events, caches, breaker,
                new SetBackoff(clock, config.reconcile().interval()), configSource::configMap, owner);
        this.pruner = new SetPrune(cache, writer, events, breaker, owner);
        this.claims = new CacheClaims(cache, writer, config.cache().orphanRetention(), owner, clock);
    }

    /** The configuration being enforced: the last valid one read. */
    public Optional<FleetConfig> lastValidConfig() {
        return configSource.lastValid();
    }

    /** When arcfleet last wrote an object of each set. */
    public Map<String, Instant> lastApplied() {
        return applier.lastApplied();
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
        writer.holdEvents(heldEventsLimit);
        try {
            return reconcileHoldingEvents();
        } finally {
            writer.sendHeldEvents();
        }
    }

    /**
     * A cycle whose Events wait until its writes are done: at 300 new sets, 300 of the 2,700 writes are Events,
     * which would otherwise take the API server's CPU from the applies they report.
     */
    private CycleReport reconcileHoldingEvents() {
        Instant startedAt = Instant.now();
        long writesBefore = writer.totalWrites();
        Cycle cycle = new Cycle();
        boolean readable = cache.synced();
        if (!readable) {
            String unreadable = "cluster not readable: " + String.join("; ", cache.problems());
            cycle.blocker = Optional.of(unreadable);
            cycle.configProblem = Optional.of("ConfigMap not read: " + unreadable);
            cycle.arcController = Outcome.failed("ARC controller not looked up: " + unreadable);
        } else {
            cycle.configProblem = Optional.ofNullable(configSource.read());
            cycle.arcController = ArcControllerDiscovery.discover(config.arc(), config.namespace(),
                    cache.controllerDeployments());
            Optional<FleetConfig> fleet = configSource.lastValid();
            if (fleet.isEmpty()) {
                cycle.blocker = Optional.of("no valid configuration yet, nothing is changed: "
                        + cycle.configProblem.orElse(null));
            } else if (cycle.arcController.value().isEmpty()) {
                cycle.blocker = Optional.of(cycle.arcController.problem());
            } else {
                reconcile(fleet.get(), cycle.arcController.value().get(), cycle);
            }
        }
        CycleReport report = new CycleReport(startedAt, Duration.between(startedAt, Instant.now()), cycle.configProblem,
                cycle.arcController, cycle.blocker, cycle.sets, cycle.pruned, writer.totalWrites() - writesBefore);
        cycleLog.log(report, readable, configSource.lastValid());
        return report;
    }

    private static final class Cycle {
        Optional<String> configProblem = Optional.empty();
        Outcome<ArcController> arcController;
        Optional<String> blocker = Optional.empty();
        List<SetStatus> sets = List.of();
        int pruned;
    }

    private void reconcile(FleetConfig fleet, ArcController arcController, Cycle cycle) {
        Optional<Integer> minorVersion = kubernetesMinorVersion();
        if (minorVersion.isEmpty()) {
            cycle.blocker = Optional.of("cannot read the Kubernetes version of the API server");
            return;
        }
        ClusterFacts facts = new ClusterFacts(config.namespace(), config.github().url(), arcController, minorVersion.get(),
                config.cache().nodeRoot(), owner.value());
        Set<String> desiredSetNames = fleet.runnerSets().stream().map(RunnerSet::name).collect(Collectors.toSet());
        rearmBreaker(fleet, arcController, desiredSetNames);
        // A set whose caches live in a claim has no directory: its old one, if any, is an orphan like a removed set's.
        String version = configSource.lastValidVersion();
        caches.desire(fleet.runnerSets().stream().filter(set -> !claimCache(set))
                .collect(Collectors.toMap(RunnerSet::name, DesiredCache::of)), () -> configSource.confirmedCurrent(version));
        awaitNewDirectories(fleet);

        Map<String, SetStatus> statuses = new LinkedHashMap<>();
        List<MemoizedRenderer.Inputs> renderable = renderable(fleet, facts, statuses);
        Writes writes = new Writes();
        Map<String, RenderedSet> rendered = new ConcurrentHashMap<>();
        progress.start(renderable.size());
        List<MemoizedRenderer.Inputs> toApply = new ArrayList<>();
        for (MemoizedRenderer.Inputs inputs : renderable) {
            Optional<RenderedSet> known = renderer.rendered(inputs);
            Optional<SetStatus> unchanged = known.flatMap(applier::unchangedSinceInSync);
            if (unchanged.isPresent()) {
                rendered.put(inputs.set().name(), known.get());
                statuses.put(inputs.set().name(), unchanged.get());
                progress.finished(unchanged.get().state());
            } else {
                toApply.add(inputs);
            }
        }
        // Each set is rendered on the apply pool just before it is applied, so rendering overlaps the writes.
        List<CompletableFuture<SetStatus>> applies = toApply.stream()
                .map(inputs -> CompletableFuture.supplyAsync(() -> {
                    RenderedSet desired = renderer.render(inputs);
                    rendered.put(desired.set().name(), desired);
                    return applier.apply(desired, writes);
                }, applyPool)).toList();
        for (CompletableFuture<SetStatus> apply : applies) {
            SetStatus status = apply.join();
            statuses.put(status.name(), status);
            progress.finished(status.state());
        }
        cycle.pruned = pruner.prune(desiredSetNames, rendered, writes, configSource::confirmedCurrent);
        CacheClaims.Changes claimChanges = claims.reconcile(fleet.runnerSets().stream().filter(FleetReconciler::claimCache)
                .map(set -> facts.in(set.repository()).namespace() + "/" + set.name()).collect(Collectors.toSet()),
                configSource::confirmedCurrent);
        claimChanges.annotated().forEach(claim -> writes.applied().add(Writes.Written.of(claim)));
        cycle.pruned += claimChanges.deleted();
        writes.awaitCaughtUp(cache);
        List<SetStatus> ordered = new ArrayList<>();
        fleet.runnerSets().forEach(set -> ordered.add(statuses.get(set.name())));
        cycle.sets = ordered;
    }

    /**
     * What every set whose values the ARC controller supports and whose credentials resolve is rendered
     * from; the others get their status here, and keep what they have.
     */
    private List<MemoizedRenderer.Inputs> renderable(FleetConfig fleet, ClusterFacts facts, Map<String, SetStatus> statuses) {
        List<MemoizedRenderer.Inputs> renderable = new ArrayList<>();
        Set<String> sources = new java.util.HashSet<>(Set.of(config.github().credentialsSecret()));
        fleet.repositories().forEach(repository -> repository.githubConfigSecret().ifPresent(sources::add));
        cache.readSecrets(sources);
        for (RepositoryConfig repository : fleet.repositories()) {
            String namespace = facts.in(repository).namespace();
            List<String> unsupported = ArcRequirements.unmet(repository, facts.arcController().version());
            Outcome<GithubCredentials> repositoryCredentials = credentials.resolve(repository);
            for (RunnerSet set : repository.runnerSets()) {
                if (!cache.watches(namespace)) {
                    statuses.put(set.name(), new SetStatus(set.name(), repository.fullName(), Reason.NAMESPACE_NOT_WATCHED, "namespace "
                            + namespace + " is not in arcfleet.runner-namespaces: nothing of this set is written there"));
                } else if (!unsupported.isEmpty()) {
                    statuses.put(set.name(), new SetStatus(set.name(), repository.fullName(),
                            Reason.NEEDS_NEWER_ARC_CONTROLLER, String.join("; ", unsupported)));
                } else if (repositoryCredentials.value().isPresent()) {
                    // The cache manager alone decides a drain; a claim's cache is never measured, so never drained.
                    renderable.add(new MemoizedRenderer.Inputs(set, facts, repositoryCredentials.value().get(),
                            caches.state(set.name()) == CacheState.DRAINED ? Runners.DRAINED : Runners.AS_CONFIGURED));
                } else {
                    statuses.put(set.name(), new SetStatus(set.name(), repository.fullName(), Reason.CREDENTIALS_UNUSABLE,
                            repositoryCredentials.problem()));
                }
            }
        }
        return renderable;
    }

    /**
     * A new set's AutoscalingRunnerSet waits for its cache directory. Creating one takes milliseconds, so
     * the cycle waits briefly for it rather than leave the set to the next cycle.
     */
    private void awaitNewDirectories(FleetConfig fleet) {
        if (fleet.runnerSets().stream().anyMatch(set -> !claimCache(set) && !caches.ready(set.name()))) {
            try {
                caches.awaitSynced(NEW_DIRECTORIES_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static boolean claimCache(RunnerSet set) {
        return set.repository().cacheClaim().isPresent();
    }

    private void rearmBreaker(FleetConfig fleet, ArcController arcController, Set<String> desiredSetNames) {
        List<Object> inputs = List.of(fleet, arcController);
        if (!Objects.equals(inputs, breakerInputs)) {
            breaker.reset();
            breakerInputs = inputs;
        }
        applier.retain(desiredSetNames);
        renderer.retain(desiredSetNames);
    }

    /** Ends the leadership term's background work: events not yet sent are dropped. */
    @Override
    public void close() {
        writer.close();
    }

    private Optional<Integer> kubernetesMinorVersion() {
        if (kubernetesMinorVersion == null) {
            try {
                kubernetesMinorVersion = KubeMinorVersion.asTheChartReadsIt(client.getKubernetesVersion().getMinor());
            } catch (KubernetesClientException e) {
                LOG.warnf("Cannot read the Kubernetes version: %s", e.getMessage());
                return Optional.empty();
            }
        }
        return Optional.of(kubernetesMinorVersion);
    }
}
