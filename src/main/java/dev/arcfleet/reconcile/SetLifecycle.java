package dev.arcfleet.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.config.Owner;
import dev.arcfleet.reconcile.ClusterCache.ManagedKind;
import dev.arcfleet.reconcile.SetStatus.Reason;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The life of one runner set's objects against ARC's: apply, wait for the informers, release
 * finalizers, prune. ARC deregisters a deleted AutoscalingRunnerSet from GitHub with the credentials
 * in the set's Secret, then releases {@link RunnerSetRenderer#CLEANUP_FINALIZER} from exactly the
 * companions the set's {@code cleanup-*} annotations name. So arcfleet never releases that finalizer
 * while the AutoscalingRunnerSet exists, recreates the Secret if it is gone meanwhile, and releases it
 * itself only from objects no annotation names any more (a container-mode change) or that outlived
 * their AutoscalingRunnerSet.
 */
final class SetLifecycle {

    private static final Logger LOG = Logger.getLogger(SetLifecycle.class);
    private static final long CACHE_CATCH_UP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ClusterCache cache;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final CacheManager caches;
    private final DeleteLoopBreaker breaker;
    private final Supplier<Optional<ConfigMap>> source;
    private final SetBackoff backoff;
    private final Owner owner;
    private final Map<String, Instant> lastApplied = new ConcurrentHashMap<>();
    private final Drift drift = new Drift();
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /**
     * The live objects, by identity and in the rendering's order, that a rendering of a set was found in sync
     * with, and the informers' {@link ClusterCache#storeChanges()} read before they were.
     */
    private record Verified(RenderedSet rendering, List<HasMetadata> live, SetStatus status, long storeChanges) {
    }

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

    private volatile NothingToPrune nothingToPrune;

    SetLifecycle(ClusterCache cache, ApiWriter writer, EventRecorder events, CacheManager caches, DeleteLoopBreaker breaker,
            SetBackoff backoff, Supplier<Optional<ConfigMap>> source, Owner owner) {
        this.cache = cache;
        this.writer = writer;
        this.events = events;
        this.caches = caches;
        this.breaker = breaker;
        this.backoff = backoff;
        this.source = source;
        this.owner = owner;
    }

    Map<String, Instant> lastApplied() {
        return Map.copyOf(lastApplied);
    }

    /**
     * What a cycle changed, so it can wait until its informers show it. Only the identity of each object is
     * kept: holding the objects the API server returned until the cycle ends let a large sync's responses,
     * managedFields and all, outlive the young generation and grow the old one.
     */
    record Writes(List<Written> applied, List<Written> released) {
        Writes() {
            this(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
        }
    }

    /** An object as a write left it: stored at {@code resourceVersion}, or released with this {@code uid}. */
    record Written(ManagedKind kind, String name, String resourceVersion, String uid) {
        static Written of(HasMetadata object) {
            return new Written(ManagedKind.of(object), object.getMetadata().getName(), object.getMetadata().getResourceVersion(),
                    object.getMetadata().getUid());
        }
    }

    /**
     * The set's status if neither its rendering nor any of its live objects changed since it was last
     * found in sync. Informers replace an object on every change, so the same instances are unchanged
     * objects; an idle cycle answers most sets here, with one lookup per object.
     */
    Optional<SetStatus> unchangedSinceInSync(RenderedSet desired) {
        long storeChanges = cache.storeChanges();
        Verified last = verified.get(desired.set().name());
        if (last == null || last.rendering() != desired) {
            return Optional.empty();
        }
        if (last.storeChanges() == storeChanges) {
            return Optional.of(last.status());
        }
        List<RenderedObject> objects = desired.allObjects();
        for (int i = 0; i < objects.size(); i++) {
            if (live(objects.get(i)).orElse(null) != last.live().get(i)) {
                return Optional.empty();
            }
        }
        verified.replace(desired.set().name(), last, new Verified(desired, last.live(), last.status(), storeChanges));
        return Optional.of(last.status());
    }

    /** Brings one desired set in line. */
    SetStatus apply(RenderedSet desired, Writes writes) {
        String setName = desired.set().name();
        verified.remove(setName);
        Optional<HasMetadata> liveRunnerSet = cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, setName);
        Map<Ownership, List<String>> inTheWay = inTheWay(desired);
        List<String> unmanaged = inTheWay.getOrDefault(Ownership.UNMANAGED, List.of());
        List<String> others = inTheWay.getOrDefault(Ownership.OTHERS, List.of());
        if (!unmanaged.isEmpty() || !others.isEmpty()) {
            String detail = !unmanaged.isEmpty()
                    ? "not managed by arcfleet, left untouched: " + String.join(", ", unmanaged) + " (add label "
                            + Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_ARCFLEET + " to hand it over, or delete it)"
                    : "managed by another arcfleet configuration, left untouched: " + String.join(", ", others)
                            + " (remove the repository from one of the two ConfigMaps)";
            source.get().ifPresent(configMap -> events.warning(configMap, "Conflict", setName,
                    "runner set " + setName + ": " + detail));
            return status(desired, unmanaged.isEmpty() ? Reason.OTHER_OWNERS_OBJECT_IN_THE_WAY
                    : Reason.UNMANAGED_OBJECT_IN_THE_WAY, detail);
        }
        source.get().ifPresent(configMap -> events.resolved(configMap, "Conflict", setName));
        breaker.observe(setName, liveRunnerSet);
        String fingerprint = desired.allObjects().stream().map(RenderedObject::desiredHash)
                .collect(java.util.stream.Collectors.joining(","));
        Optional<String> held = backoff.holding(setName, fingerprint);
        if (held.isPresent()) {
            return status(desired, Reason.WRITE_FAILED, held.get());
        }
        SetStatus status = applyAfterChecks(desired, liveRunnerSet, writes);
        if (status.reason() == Reason.WRITE_FAILED) {
            backoff.failed(setName, fingerprint, status.detail());
        } else {
            backoff.succeeded(setName);
        }
        return status;
    }

    private SetStatus applyAfterChecks(RenderedSet desired, Optional<HasMetadata> liveRunnerSet, Writes writes) {
        String setName = desired.set().name();
        try {
            if (liveRunnerSet.filter(SetLifecycle::terminating).isPresent()) {
                return whileBeingDeleted(desired, writes);
            }
            if (liveRunnerSet.isEmpty() && breaker.tripped(setName)) {
                String detail = "its AutoscalingRunnerSet was deleted by someone else " + DeleteLoopBreaker.DELETIONS
                        + " times within " + DeleteLoopBreaker.WINDOW.toMinutes() + " minutes, so arcfleet stopped"
                        + " recreating it (each one registers a scale set on GitHub); it resumes on a configuration or"
                        + " ARC controller change, or a restart";
                source.get().ifPresent(configMap -> events.warning(configMap, "DeleteLoop", setName,
                        "runner set " + setName + ": " + detail));
                return status(desired, Reason.DELETE_LOOP, detail);
            }
            return inLine(desired, liveRunnerSet, writes);
        } catch (ApiWriter.WriteFailedException e) {
            return status(desired, Reason.WRITE_FAILED, e.getMessage());
        }
    }

    /** ARC is deregistering the set: keep what its cleanup reads, and wait for it to finish. */
    private SetStatus whileBeingDeleted(RenderedSet desired, Writes writes) {
        List<String> changes = new ArrayList<>();
        for (RenderedObject companion : desired.companions()) {
            if (companion.kind() == ManagedKind.SECRET && live(companion).isEmpty()) {
                writes.applied().add(Written.of(write(desired, companion, Optional.empty(), changes)));
            }
        }
        logChanges(desired.set().name(), changes);
        return status(desired, Reason.BEING_DELETED, "its AutoscalingRunnerSet is being deleted (ARC deregisters it from"
                + " GitHub first); it is recreated once gone");
    }

    private SetStatus inLine(RenderedSet desired, Optional<HasMetadata> liveRunnerSet, Writes writes) {
        long storeChanges = cache.storeChanges();
        String setName = desired.set().name();
        List<String> held = new ArrayList<>();
        List<String> releasing = new ArrayList<>();
        for (RenderedObject companion : desired.companions()) {
            Optional<HasMetadata> live = live(companion).filter(SetLifecycle::terminating);
            if (live.isEmpty()) {
                continue;
            }
            if (liveRunnerSet.isPresent()) {
                held.add(companion.describe());
            } else {
                // No AutoscalingRunnerSet, so no ARC cleanup will ever release it.
                releaseCleanupFinalizer(live.get(), writes);
                releasing.add(companion.describe());
            }
        }
        // A new set waits for its cache directory: kubelet would otherwise create it root-owned, or fail the pod.
        boolean holdRunnerSet = liveRunnerSet.isEmpty() && (!caches.ready(setName) || !releasing.isEmpty());
        List<HasMetadata> foundInSync = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        try {
            for (RenderedObject object : holdRunnerSet ? desired.companions() : desired.allObjects()) {
                Optional<HasMetadata> live = live(object);
                if (live.filter(SetLifecycle::terminating).isEmpty() && (live.isEmpty() || !drift.inSync(desired, object, live.get()))) {
                    writes.applied().add(Written.of(write(desired, object, live, changes)));
                } else {
                    foundInSync.add(live.get());
                }
            }
        } finally {
            logChanges(setName, changes);
        }
        if (!releasing.isEmpty()) {
            return status(desired, Reason.BEING_DELETED, "waiting for deletion of " + String.join(", ", releasing)
                    + " to finish");
        }
        if (!held.isEmpty()) {
            return status(desired, Reason.COMPANION_HELD_BY_ARC, String.join(", ", held) + " was deleted while its"
                    + " AutoscalingRunnerSet exists: ARC's cleanup finalizer keeps it, still working, until the set is"
                    + " deleted, because ARC needs it to deregister the set; to replace it now, remove finalizer "
                    + RunnerSetRenderer.CLEANUP_FINALIZER + " from it");
        }
        if (holdRunnerSet) {
            Optional<String> problem = Optional.ofNullable(caches.report().setProblems().get(setName))
                    .or(() -> caches.report().problem());
            return problem.map(text -> status(desired, Reason.CACHE_DIRECTORY_UNUSABLE, "waiting for its cache directory: "
                    + text)).orElseGet(() -> status(desired, Reason.CACHE_DIRECTORY_PENDING,
                            "waiting for its cache directory to be created"));
        }
        SetStatus inSync = status(desired, Reason.IN_SYNC, "in sync");
        if (foundInSync.size() == desired.allObjects().size()) {
            verified.put(setName, new Verified(desired, List.copyOf(foundInSync), inSync, storeChanges));
        }
        return inSync;
    }

    /** One line per set: at 300 new sets, a line per object was 3% of the daemon's CPU in the sync. */
    private static void logChanges(String setName, List<String> changes) {
        if (!changes.isEmpty()) {
            LOG.infof("Runner set %s: %s", setName, String.join(", ", changes));
        }
    }

    private HasMetadata write(RenderedSet desired, RenderedObject object, Optional<HasMetadata> live, List<String> changes) {
        String setName = desired.set().name();
        HasMetadata stored = writer.apply(object);
        lastApplied.put(setName, Instant.now());
        if (object.kind() == ManagedKind.AUTOSCALING_RUNNER_SET) {
            breaker.applied(setName, stored.getMetadata().getUid());
            if (live.isEmpty()) {
                events.normal(stored, "Created", "created by arcfleet for " + desired.set().repository().fullName()
                        + ", instance " + desired.set().instance());
            }
        }
        changes.add((live.isEmpty() ? "created " : "updated ") + object.describe());
        return stored;
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
        boolean deletes = Stream.concat(runnerSets.stream(), companions.stream()).anyMatch(live -> !terminating(live));
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
                    if (!terminating(live)) {
                        if (live.getKind().equals(RunnerSetRenderer.AUTOSCALING_RUNNER_SET_KIND)) {
                            breaker.forget(setName);
                        }
                        writer.delete(live);
                        pruned++;
                        if (live.getKind().equals(RunnerSetRenderer.AUTOSCALING_RUNNER_SET_KIND)) {
                            events.normal(live, "Pruned", "no longer in the configuration; ARC deregisters it from GitHub");
                        }
                        LOG.infof("Pruned %s %s", live.getKind(), live.getMetadata().getName());
                    }
                    if (!live.getKind().equals(RunnerSetRenderer.AUTOSCALING_RUNNER_SET_KIND)
                            && nothingOfArcHoldsIt(live, setName, desiredSetNames)) {
                        releaseCleanupFinalizer(live, writes);
                    }
                } catch (ApiWriter.WriteFailedException e) {
                    LOG.warnf("Prune failed, retrying next cycle: %s", e.getMessage());
                }
            }
        }
        return pruned;
    }

    /**
     * True for a companion of a set that stays (renamed away by a mode change), or of a removed set whose
     * AutoscalingRunnerSet is gone: in both cases no {@code cleanup-*} annotation of a live set names it.
     */
    private boolean nothingOfArcHoldsIt(HasMetadata live, String setName, Set<String> desiredSetNames) {
        return desiredSetNames.contains(setName) || cache.get(ManagedKind.AUTOSCALING_RUNNER_SET, setName).isEmpty();
    }

    private void releaseCleanupFinalizer(HasMetadata live, Writes writes) {
        List<String> finalizers = live.getMetadata().getFinalizers();
        if (finalizers != null && finalizers.contains(RunnerSetRenderer.CLEANUP_FINALIZER)) {
            writer.releaseCleanupFinalizer(live);
            writes.released().add(Written.of(live));
            LOG.infof("Released %s from %s %s", RunnerSetRenderer.CLEANUP_FINALIZER, live.getKind(),
                    live.getMetadata().getName());
        }
    }

    /**
     * Waits briefly until the informers show what this cycle applied, or something newer (ARC patches a
     * new AutoscalingRunnerSet at once), and no longer show what it released, so the next cycle compares
     * against that rather than a stale copy and sends no redundant write.
     */
    void awaitCaughtUp(Writes writes) {
        long deadline = System.nanoTime() + CACHE_CATCH_UP_TIMEOUT_NANOS;
        for (Written object : writes.applied()) {
            if (!awaitCached(object, cached -> cached.map(live -> atOrAfter(live.getMetadata().getResourceVersion(),
                    object.resourceVersion())).orElse(false), deadline)) {
                return;
            }
        }
        for (Written object : writes.released()) {
            if (!awaitCached(object, cached -> cached.filter(live -> object.uid().equals(live.getMetadata().getUid())).isEmpty(),
                    deadline)) {
                return;
            }
        }
    }

    private boolean awaitCached(Written object, Predicate<Optional<HasMetadata>> caughtUp, long deadline) {
        while (!caughtUp.test(cache.get(object.kind(), object.name()))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Forgets sets that left the fleet, so nothing kept per set outgrows the fleet. */
    void retain(Set<String> setNames) {
        lastApplied.keySet().retainAll(setNames);
        breaker.retain(setNames);
        backoff.retain(setNames);
        events.retain(setNames);
        drift.retain(setNames);
        verified.keySet().retainAll(setNames);
    }

    /**
     * resourceVersions are opaque to clients, but every API server backed by etcd issues increasing
     * integers; anything else only counts as caught up when equal.
     */
    static boolean atOrAfter(String cached, String written) {
        try {
            return Long.parseLong(cached) >= Long.parseLong(written);
        } catch (NumberFormatException e) {
            return cached.equals(written);
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
        // A desired set that could not be rendered (credentials missing) keeps everything it has.
        return rendered.containsKey(setName.get());
    }

    /** Whether a set rendered this cycle has this object: most live objects, decided with no name computed. */
    private static boolean renderedNow(ManagedKind kind, HasMetadata live, Map<String, RenderedSet> rendered) {
        String setName = live.getMetadata().getLabels() == null ? null : live.getMetadata().getLabels().get(Labels.SET);
        RenderedSet desired = setName == null ? null : rendered.get(setName);
        if (desired == null) {
            return false;
        }
        for (RenderedObject object : desired.allObjects()) {
            if (object.kind() == kind && object.name().equals(live.getMetadata().getName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The desired objects whose same-named live object is no arcfleet's or another configuration's, as
     * {@code Kind name}, by whose it is; one lookup per object.
     */
    private Map<Ownership, List<String>> inTheWay(RenderedSet desired) {
        Map<Ownership, List<String>> inTheWay = new java.util.EnumMap<>(Ownership.class);
        for (RenderedObject object : desired.allObjects()) {
            live(object).map(live -> Ownership.of(live, owner))
                    .filter(ownership -> ownership == Ownership.UNMANAGED || ownership == Ownership.OTHERS)
                    .ifPresent(ownership -> inTheWay.computeIfAbsent(ownership, key -> new ArrayList<>()).add(object.describe()));
        }
        return inTheWay;
    }

    private Optional<HasMetadata> live(RenderedObject desired) {
        return cache.get(desired.kind(), desired.name());
    }

    private static SetStatus status(RenderedSet desired, Reason reason, String detail) {
        return new SetStatus(desired.set().name(), desired.set().repository().fullName(), reason, detail);
    }

    private static boolean terminating(HasMetadata object) {
        return object.getMetadata().getDeletionTimestamp() != null;
    }
}
