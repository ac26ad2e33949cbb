package dev.arcfleet.status;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.cache.CacheState;
import dev.arcfleet.cache.CacheUsage;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.cluster.Ownership;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.Owner;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.api.model.VolumeNodeAffinity;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What runs where: every desired set with arcfleet's view and ARC's, and sets being pruned. Built from
 * the informer caches and the last cycle; holds no secret value.
 */
@RegisterForReflection
public record FleetStatus(LeaderGate.State leadership, Global global, List<Repository> repositories, List<String> pruning) {

    private static final String HOSTNAME = "kubernetes.io/hostname";

    /** @param progress how far the running cycle has got through its sets; null while no cycle applies sets */
    @RegisterForReflection
    public record Global(boolean configValid, String configError, String arcControllerVersion, String arcControllerError,
            Instant lastCycle, Long lastCycleMillis, boolean lastCycleSucceeded, String lastError,
            CycleProgress.Progress progress) {
    }

    @RegisterForReflection
    public record Repository(String name, List<RunnerSet> sets) {
    }

    /**
     * @param namespace where the set's objects and runner pods are: its repository's {@code namespace}, or arcfleet's
     * @param state arcfleet's view: ready, conflict, waiting, failed, halted, or pending before the first cycle
     * @param reason why, as a fixed name such as IN_SYNC or DELETE_LOOP; null before the first cycle
     * @param maxRunners the configured maximum; null for {@code maxRunners: null}, which sets no limit
     * @param runnerSet the AutoscalingRunnerSet's own status as ARC reports it
     * @param listener ARC's AutoscalingListener for the set: its name and status, or absent
     * @param cacheBytes the latest measurement of the set's caches
     * @param cacheLimitBytes the repository's maxCacheSize, or null without one
     * @param cacheState where the cache directory stands against maxCacheSize when not within it, as a fixed name of
     *        {@link CacheState}: OVER_LIMIT, DRAINED (no runners until it is cleared) or CLEARED; null otherwise
     * @param cacheClaim where the set's caches live when they live in a claim; null for a cache directory
     */
    @RegisterForReflection
    public record RunnerSet(String name, String namespace, int instance, String state, String reason, String detail, Integer maxRunners,
            boolean exists, Map<String, Object> runnerSet, Listener listener, Long cacheBytes, Long cacheFiles,
            Long cacheLimitBytes, String cacheState, Instant lastApplied, CacheClaim cacheClaim) {
    }

    /**
     * A set's cache claim and, once bound, where its volume is.
     *
     * @param phase the claim's phase (Pending, Bound, Lost), Terminating while it is deleted, or null before it exists
     * @param volume the PersistentVolume it is bound to, or null
     * @param node the node the volume's node affinity names, or null (not bound, not node-local, or the
     *        PersistentVolume cannot be read)
     * @param path the volume's directory on that node ({@code spec.local.path} or {@code spec.hostPath.path}), or null
     */
    @RegisterForReflection
    public record CacheClaim(String name, String phase, String volume, String node, String path) {
    }

    @RegisterForReflection
    public record Listener(String name, boolean present, Map<String, Object> status) {
    }

    public static FleetStatus of(LeaderGate.State leadership, Optional<CycleReport> lastReport,
            Optional<CycleProgress.Progress> inFlight, Optional<FleetConfig> config, ClusterCache cache, CacheReport caches,
            Map<String, Instant> lastApplied, Owner owner) {
        CycleProgress.Progress progress = inFlight.orElse(null);
        Global global = lastReport.map(report -> new Global(report.configProblem().isEmpty(), report.configProblem().orElse(null),
                report.arcController().value().map(ArcController::version).orElse(null), report.arcController().problem(),
                report.startedAt(), report.duration().toMillis(), report.succeeded(), report.firstError().orElse(null), progress))
                .orElse(new Global(false, leadership.leading() ? "no reconcile cycle has run yet"
                        : "a standby reconciles nothing; ask the leader, " + leadership.leader(), null, null, null, null,
                        false, null, progress));
        Map<String, SetStatus> statuses = lastReport.map(report -> report.sets().stream()
                .collect(Collectors.toMap(SetStatus::name, set -> set))).orElse(Map.of());
        List<Repository> repositories = config.map(fleet -> fleet.repositories().stream()
                .map(repository -> new Repository(repository.fullName(), repository.runnerSets().stream()
                        .map(set -> runnerSet(set, statuses.get(set.name()), cache, caches, lastApplied)).toList()))
                .toList()).orElse(List.of());
        Set<String> desired = config.map(fleet -> fleet.runnerSets().stream().map(dev.arcfleet.fleet.RunnerSet::name)
                .collect(Collectors.toSet())).orElse(Set.of());
        if (cache == null) {
            return new FleetStatus(leadership, global, List.of(), List.of());
        }
        List<String> pruning = Arrays.stream(ManagedKind.values()).flatMap(cache::all)
                .filter(object -> object.getMetadata().getDeletionTimestamp() != null
                        && Ownership.of(object, owner) == Ownership.OURS)
                .flatMap(object -> RunnerSetRenderer.renderedSetOf(object).stream())
                .filter(set -> !desired.contains(set))
                .distinct().sorted().toList();
        return new FleetStatus(leadership, global, repositories, pruning);
    }

    @SuppressWarnings("unchecked")
    private static RunnerSet runnerSet(dev.arcfleet.fleet.RunnerSet set, SetStatus status, ClusterCache cache,
            CacheReport caches, Map<String, Instant> lastApplied) {
        String namespace = set.repository().namespace().orElse(cache.namespace());
        Optional<HasMetadata> live = cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, namespace, set.name());
        Map<String, Object> arcStatus = live.map(object -> (Map<String, Object>) ((GenericKubernetesResource) object)
                .getAdditionalProperties().getOrDefault("status", Map.of())).orElse(Map.of());
        Listener listener = cache.listener(namespace, set.name())
                .map(found -> new Listener(found.getMetadata().getName(), true,
                        (Map<String, Object>) found.getAdditionalProperties().getOrDefault("status", Map.of())))
                .orElse(new Listener(null, false, Map.of()));
        Optional<CacheUsage> usage = Optional.ofNullable(caches.usage().get(set.name()));
        return new RunnerSet(set.name(), namespace, set.instance(),
                status == null ? "pending" : status.state().name().toLowerCase(Locale.ROOT),
                status == null ? null : status.reason().name(),
                status == null ? "not reconciled yet" : status.detail(), set.repository().maxRunners().orElse(null), live.isPresent(),
                arcStatus, listener,
                usage.map(CacheUsage::bytes).orElse(null), usage.map(CacheUsage::files).orElse(null),
                set.repository().maxCacheSizeBytes().orElse(null), Optional.ofNullable(caches.limits().get(set.name())).map(CacheState::name)
                        .orElse(null), lastApplied.get(set.name()),
                set.repository().cacheClaim().map(claim -> cacheClaim(namespace, set, cache)).orElse(null));
    }

    private static CacheClaim cacheClaim(String namespace, dev.arcfleet.fleet.RunnerSet set, ClusterCache cache) {
        String name = RunnerSetRenderer.cacheClaimName(set.name());
        Optional<PersistentVolumeClaim> claim = cache.get(ManagedKind.PERSISTENT_VOLUME_CLAIM, namespace, name)
                .map(PersistentVolumeClaim.class::cast);
        String phase = claim.map(live -> live.getMetadata().getDeletionTimestamp() != null ? "Terminating"
                : live.getStatus() == null ? null : live.getStatus().getPhase()).orElse(null);
        String volumeName = claim.map(live -> live.getSpec().getVolumeName()).filter(volume -> !volume.isEmpty()).orElse(null);
        Optional<PersistentVolumeSpec> volume = Optional.ofNullable(volumeName).flatMap(cache::persistentVolume)
                .map(PersistentVolume::getSpec);
        String node = volume.map(PersistentVolumeSpec::getNodeAffinity).map(VolumeNodeAffinity::getRequired)
                .flatMap(FleetStatus::node).orElse(null);
        String path = volume.map(spec -> spec.getLocal() != null ? spec.getLocal().getPath()
                : spec.getHostPath() != null ? spec.getHostPath().getPath() : null).orElse(null);
        return new CacheClaim(name, phase, volumeName, node, path);
    }

    /**
     * The node a node-local volume is pinned to: the value its affinity requires for {@code kubernetes.io/hostname},
     * as local volumes and local-path-provisioner, OpenEBS LocalPV and TopoLVM write it; otherwise the first
     * requirement as written ({@code key in [values]}).
     */
    private static Optional<String> node(NodeSelector required) {
        List<NodeSelectorRequirement> requirements = required.getNodeSelectorTerms().stream()
                .flatMap(term -> term.getMatchExpressions().stream()).toList();
        return requirements.stream()
                .filter(requirement -> HOSTNAME.equals(requirement.getKey()) && "In".equals(requirement.getOperator())
                        && requirement.getValues().size() == 1)
                .map(requirement -> requirement.getValues().get(0)).findFirst()
                .or(() -> requirements.stream().findFirst().map(requirement -> requirement.getKey() + " "
                        + requirement.getOperator().toLowerCase(Locale.ROOT) + " " + requirement.getValues()));
    }
}
