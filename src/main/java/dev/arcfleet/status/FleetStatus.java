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
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What runs where: every desired set with arcfleet's view and ARC's, and sets being pruned. Built from
 * the informer caches and the last cycle; holds no secret value.
 */
@RegisterForReflection
public record FleetStatus(LeaderGate.State leadership, Global global, List<Repository> repositories, List<String> pruning) {

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
     * @param state arcfleet's view: ready, conflict, waiting, failed, halted, or pending before the first cycle
     * @param reason why, as a fixed name such as IN_SYNC or DELETE_LOOP; null before the first cycle
     * @param maxRunners the configured maximum; null for {@code maxRunners: null}, which sets no limit
     * @param runnerSet the AutoscalingRunnerSet's own status as ARC reports it
     * @param listener ARC's AutoscalingListener for the set: its name and status, or absent
     * @param cacheBytes the latest measurement of the set's caches
     * @param cacheLimitBytes the repository's maxCacheSize, or null without one
     */
    @RegisterForReflection
    public record RunnerSet(String name, int instance, String state, String reason, String detail, Integer maxRunners,
            boolean exists, Map<String, Object> runnerSet, Listener listener, Long cacheBytes, Long cacheFiles,
            Long cacheLimitBytes, Instant lastApplied) {
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
        Optional<HasMetadata> live = cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, set.name());
        Map<String, Object> arcStatus = live.map(object -> (Map<String, Object>) ((GenericKubernetesResource) object)
                .getAdditionalProperties().getOrDefault("status", Map.of())).orElse(Map.of());
        Listener listener = cache.listener(set.name())
                .map(found -> new Listener(found.getMetadata().getName(), true,
                        (Map<String, Object>) found.getAdditionalProperties().getOrDefault("status", Map.of())))
                .orElse(new Listener(null, false, Map.of()));
        Optional<CacheUsage> usage = Optional.ofNullable(caches.usage().get(set.name()));
        return new RunnerSet(set.name(), set.instance(),
                status == null ? "pending" : status.state().name().toLowerCase(Locale.ROOT),
                status == null ? null : status.reason().name(),
                status == null ? "not reconciled yet" : status.detail(), set.repository().maxRunners().orElse(null), live.isPresent(),
                arcStatus, listener,
                usage.map(CacheUsage::bytes).orElse(null), usage.map(CacheUsage::files).orElse(null),
                set.repository().maxCacheSizeBytes().orElse(null), lastApplied.get(set.name()));
    }
}
