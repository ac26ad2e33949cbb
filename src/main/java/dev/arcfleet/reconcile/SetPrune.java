package dev.arcfleet.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.EventRecorder;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.cluster.Ownership;
import dev.arcfleet.cluster.RenderedObject;
import dev.arcfleet.guard.DeleteLoopBreaker;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.Owner;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Deletes what no set of this configuration renders any more. ARC deregisters a deleted AutoscalingRunnerSet
 * from GitHub with the credentials in the set's Secret, then releases {@link ArcKeys#CLEANUP_FINALIZER} from
 * exactly the companions the set's {@code cleanup-*} annotations name. So arcfleet releases that finalizer
 * itself only from objects no annotation names any more (a container-mode change) or that outlived their
 * AutoscalingRunnerSet.
 */
final class SetPrune {

    private static final Logger LOG = Logger.getLogger(SetPrune.class);

    /**
     * A prune scan that found nothing, and what it looked at: the same renderings (by identity) against
     * unchanged informer caches find nothing again, so an idle cycle does not scan every live object.
     */
    private record NothingToPrune(long storeChanges, Set<String> desiredSetNames, Map<String, RenderedSet> rendered) {

        boolean stillHolds(long storeChangesNow, Set<String> desiredSetNamesNow, Map<String, RenderedSet> renderedNow) {
            if (storeChanges != storeChangesNow || !desiredSetNames.equals(desiredSetNamesNow)
                    || rendered.size() != renderedNow.size()) {
                return false;
            }
            for (Map.Entry<String, RenderedSet> set : renderedNow.entrySet()) {
                if (rendered.get(set.getKey()) != set.getValue()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final ClusterCache cache;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final DeleteLoopBreaker breaker;
    private final Owner owner;
    private volatile NothingToPrune nothingToPrune;

    SetPrune(ClusterCache cache, ApiWriter writer, EventRecorder events, DeleteLoopBreaker breaker, Owner owner) {
        this.cache = cache;
        this.writer = writer;
        this.events = events;
        this.breaker = breaker;
        this.owner = owner;
    }

    /**
     * Deletes managed objects no longer desired, AutoscalingRunnerSets first so ARC deregisters them
     * while their companions (held by ARC's cleanup finalizer) still exist. A companion that a still
     * desired set no longer renders (its container mode changed) is released too: its set's
     * annotations no longer name it, so ARC never would.
     */
    int prune(Set<String> desiredSetNames, Map<String, RenderedSet> rendered, Writes writes,
            BooleanSupplier configurationConfirmed) {
        // Read before the scan: a change the scan may miss makes the next cycle scan again.
        long storeChanges = cache.storeChanges();
        NothingToPrune known = nothingToPrune;
        if (known != null && known.stillHolds(storeChanges, desiredSetNames, rendered)) {
            return 0;
        }
        List<HasMetadata> runnerSets = new ArrayList<>();
        List<HasMetadata> companions = new ArrayList<>();
        for (ManagedKind kind : ManagedKind.values()) {
            cache.all(kind).filter(live -> prunable(kind, live, desiredSetNames, rendered))
                    .forEach(kind == ManagedKind.AUTOSCALING_RUNNER_SET ? runnerSets::add : companions::add);
        }
        nothingToPrune = runnerSets.isEmpty() && companions.isEmpty()
                ? new NothingToPrune(storeChanges, Set.copyOf(desiredSetNames), Map.copyOf(rendered))
                : null;
        boolean deletes = Stream.concat(runnerSets.stream(), companions.stream()).anyMatch(live -> !SetApply.terminating(live));
        if (deletes && !configurationConfirmed.getAsBoolean()) {
            LOG.info("The repositories ConfigMap changed since it was read, or could not be read afresh; nothing is"
                    + " pruned until the next cycle");
            return 0;
        }
        int pruned = 0;
        for (List<HasMetadata> batch : List.of(runnerSets, companions)) {
            for (HasMetadata live : batch) {
                String setName = live.getMetadata().getLabels().get(Labels.SET);
                try {
                    boolean moved = movedRegistration(live, rendered);
                    if (!SetApply.terminating(live)) {
                        if (live.getKind().equals(ArcApi.AUTOSCALING_RUNNER_SET_KIND)) {
                            breaker.forget(setName);
                        }
                        writer.delete(live);
                        writes.deleted().add(Writes.Written.of(live));
                        if (moved) {
                            events.normal(live, "Pruned", "moved to another namespace, where the set keeps its scale set");
                        } else if (live.getKind().equals(ArcApi.AUTOSCALING_RUNNER_SET_KIND)) {
                            events.normal(live, "Pruned", "no longer in the configuration; ARC deregisters it from GitHub");
                        }
                        pruned++;
                        LOG.infof("Pruned %s %s", live.getKind(), live.getMetadata().getName());
                    }
                    if (moved) {
                        // The new set took this one's scale set over, and ARC deregisters the id a deleted set records.
                        // Only once deleted: ARC then takes its deletion path alone, which skips an id that is no number,
                        // where before the deletion it would register such a set by name again and record the shared id.
                        writer.annotateAsStored(live, ArcKeys.RUNNER_SCALE_SET_ID,
                                Optional.of("moved-to-" + rendered.get(setName).autoscalingRunnerSet().namespace()))
                                .ifPresent(stored -> writes.applied().add(Writes.Written.of(stored)));
                    }
                    if (!live.getKind().equals(ArcApi.AUTOSCALING_RUNNER_SET_KIND)
                            && nothingOfArcHoldsIt(live, setName, rendered)) {
                        releaseCleanupFinalizer(writer, live, writes);
                    }
                } catch (ApiWriter.WriteFailedException e) {
                    LOG.warnf("Prune failed, retrying next cycle: %s", e.getMessage());
                }
            }
        }
        return pruned;
    }

    /**
     * True for a companion of a set that stays in its namespace (renamed away by a mode change), or of a removed or
     * moved set whose AutoscalingRunnerSet there is gone: in both cases no {@code cleanup-*} annotation of a live set names it.
     */
    private boolean nothingOfArcHoldsIt(HasMetadata live, String setName, Map<String, RenderedSet> rendered) {
        String namespace = live.getMetadata().getNamespace();
        return rendered.containsKey(setName) && rendered.get(setName).autoscalingRunnerSet().namespace().equals(namespace)
                || cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, namespace, setName).isEmpty();
    }

    /** Also for a set being deleted whose AutoscalingRunnerSet is gone: no ARC cleanup will release it. */
    static void releaseCleanupFinalizer(ApiWriter writer, HasMetadata live, Writes writes) {
        List<String> finalizers = live.getMetadata().getFinalizers();
        if (finalizers != null && finalizers.contains(ArcKeys.CLEANUP_FINALIZER)) {
            writer.releaseCleanupFinalizer(live);
            writes.released().add(Writes.Written.of(live));
            LOG.infof("Released %s from %s %s", ArcKeys.CLEANUP_FINALIZER, live.getKind(),
                    live.getMetadata().getName());
        }
    }

    private boolean prunable(ManagedKind kind, HasMetadata live, Set<String> desiredSetNames,
            Map<String, RenderedSet> rendered) {
        if (renderedNow(kind, live, rendered)) {
            return false;
        }
        Optional<String> setName = RunnerSetRenderer.renderedSetOf(live);
        Ownership ownership = Ownership.of(live, owner);
        if (setName.isEmpty() || ownership == Ownership.OTHERS) {
            return false;
        }
        if (!desiredSetNames.contains(setName.get())) {
            return ownership == Ownership.OURS;
        }
        // A desired set that could not be rendered (credentials missing) keeps everything it has, and one that moved
        // namespace keeps its old objects until ARC has registered its AutoscalingRunnerSet in the new one.
        RenderedObject runnerSet = rendered.containsKey(setName.get()) ? rendered.get(setName.get()).autoscalingRunnerSet() : null;
        return runnerSet != null && (runnerSet.namespace().equals(live.getMetadata().getNamespace())
                || registration(cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, runnerSet.namespace(), runnerSet.name())).isPresent());
    }

    /** Whether {@code live} is the old AutoscalingRunnerSet of a moved set, registered as the same scale set as the new one. */
    private boolean movedRegistration(HasMetadata live, Map<String, RenderedSet> rendered) {
        RenderedSet desired = rendered.get(live.getMetadata().getName());
        if (desired == null || !live.getKind().equals(ArcApi.AUTOSCALING_RUNNER_SET_KIND)
                || desired.autoscalingRunnerSet().namespace().equals(live.getMetadata().getNamespace())) {
            return false;
        }
        Optional<String> id = registration(Optional.of(live));
        return id.isPresent() && id.equals(registration(cache.get(ManagedKind.AUTOSCALING_RUNNER_SET,
                desired.autoscalingRunnerSet().namespace(), desired.set().name())));
    }

    private static Optional<String> registration(Optional<HasMetadata> runnerSet) {
        return runnerSet.map(set -> set.getMetadata().getAnnotations()).map(annotations -> annotations.get(ArcKeys.RUNNER_SCALE_SET_ID));
    }

    /** Whether a set rendered this cycle has this object: most live objects, decided with no name computed. */
    private static boolean renderedNow(ManagedKind kind, HasMetadata live, Map<String, RenderedSet> rendered) {
        String setName = live.getMetadata().getLabels() == null ? null : live.getMetadata().getLabels().get(Labels.SET);
        RenderedSet desired = setName == null ? null : rendered.get(setName);
        if (desired == null) {
            return false;
        }
        for (RenderedObject object : desired.allObjects()) {
            if (object.kind() == kind && object.name().equals(live.getMetadata().getName())
                    && object.namespace().equals(live.getMetadata().getNamespace())) {
                return true;
            }
        }
        return false;
    }
}
