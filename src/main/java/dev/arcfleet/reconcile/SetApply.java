package dev.arcfleet.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.cache.CacheManager;
import dev.arcfleet.cache.CacheState;
import dev.arcfleet.chart.ReleaseOwnerKeys;
import dev.arcfleet.cluster.ApiWriter;
import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.EventRecorder;
import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.cluster.Ownership;
import dev.arcfleet.cluster.RenderedObject;
import dev.arcfleet.guard.DeleteLoopBreaker;
import dev.arcfleet.guard.SetBackoff;
import dev.arcfleet.render.Labels;
import dev.arcfleet.render.Runners;
import dev.arcfleet.settings.Owner;
import dev.arcfleet.status.SetStatus.Reason;
import dev.arcfleet.status.SetStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Applies one runner set's objects against ARC's: the companions together first, the AutoscalingRunnerSet,
 * which names them, once they are all stored. ARC needs a set's Secret to deregister it, so a set being deleted
 * gets its companions back (a Secret deleted meanwhile is recreated) and nothing else; arcfleet never releases
 * ARC's cleanup finalizer while the AutoscalingRunnerSet exists ({@link SetPrune} does, once it is gone).
 */
final class SetApply {

    private static final Logger LOG = Logger.getLogger(SetApply.class);
    private static final Set<Ownership> WRITTEN_BY_ARCFLEET = EnumSet.of(Ownership.OURS, Ownership.UNCLAIMED);

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

    SetApply(ClusterCache cache, ApiWriter writer, EventRecorder events, CacheManager caches, DeleteLoopBreaker breaker,
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
        Optional<HasMetadata> liveRunnerSet = live(desired.autoscalingRunnerSet());
        Optional<SetStatus> claimed = claimedByInstaller(desired);
        if (claimed.isPresent()) {
            source.get().ifPresent(configMap -> events.warning(configMap, "Conflict", setName,
                    "runner set " + setName + ": " + claimed.get().detail()));
            return claimed.get();
        }
        Map<Ownership, List<String>> inTheWay = inTheWay(desired);
        List<String> unmanaged = inTheWay.getOrDefault(Ownership.UNMANAGED, List.of());
        List<String> others = inTheWay.getOrDefault(Ownership.OTHERS, List.of());
        if (!unmanaged.isEmpty() || !others.isEmpty()) {
            String detail = !unmanaged.isEmpty()
                    ? "not managed by arcfleet, left untouched: " + String.join(", ", unmanaged) + " (add label "
                            + ArcKeys.MANAGED_BY + "=" + Labels.MANAGED_BY_ARCFLEET + " to hand it over, or delete it)"
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
                .collect(Collectors.joining(","));
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
            if (liveRunnerSet.filter(SetApply::terminating).isPresent()) {
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
            forgetHelmRelease(desired, writes);
            return inLine(desired, liveRunnerSet, writes);
        } catch (ApiWriter.WriteFailedException e) {
            return status(desired, Reason.WRITE_FAILED, e.getMessage());
        }
    }

    /** ARC is deregistering the set: keep what its cleanup reads, and wait for it to finish. */
    private SetStatus whileBeingDeleted(RenderedSet desired, Writes writes) {
        List<String> changes = new ArrayList<>();
        try {
            writeTogether(desired, desired.companions().stream()
                    .filter(companion -> companion.kind() == ManagedKind.SECRET && live(companion).isEmpty())
                    .map(companion -> new Pending(companion, Optional.empty())).toList(), writes, changes);
        } finally {
            logChanges(desired.set().name(), changes);
        }
        return status(desired, Reason.BEING_DELETED, "its AutoscalingRunnerSet is being deleted (ARC deregisters it from"
                + " GitHub first); it is recreated once gone");
    }

    private SetStatus inLine(RenderedSet desired, Optional<HasMetadata> liveRunnerSet, Writes writes) {
        long storeChanges = cache.storeChanges();
        String setName = desired.set().name();
        List<String> held = new ArrayList<>();
        List<String> releasing = new ArrayList<>();
        for (RenderedObject companion : desired.companions()) {
            Optional<HasMetadata> live = live(companion).filter(SetApply::terminating);
            // A terminating cache claim is a user clearing the cache: it goes when no pod uses it, and a fresh
            // one is made then. Nothing of ARC holds it, and nothing waits for it.
            if (live.isEmpty() || companion.kind() == ManagedKind.PERSISTENT_VOLUME_CLAIM) {
                continue;
            }
            if (liveRunnerSet.isPresent()) {
                held.add(companion.describe());
            } else {
                // No AutoscalingRunnerSet, so no ARC cleanup will ever release it.
                SetPrune.releaseCleanupFinalizer(writer, live.get(), writes);
                releasing.add(companion.describe());
            }
        }
        // A new set waits for its cache directory: kubelet would otherwise create it root-owned, or fail the pod. A
        // claim waits for nothing: binding waits for the set's first pod (WaitForFirstConsumer).
        boolean holdRunnerSet = liveRunnerSet.isEmpty()
                && ((!FleetReconciler.claimCache(desired.set()) && !caches.ready(setName)) || !releasing.isEmpty());
        List<HasMetadata> foundInSync = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        try {
            List<Pending> pending = toWrite(desired, holdRunnerSet ? desired.companions() : desired.allObjects(), foundInSync);
            for (Set<ManagedKind> wave : WAVES) {
                writeTogether(desired, pending.stream().filter(write -> wave.contains(write.object().kind())).toList(),
                        writes, changes);
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
                    + ArcKeys.CLEANUP_FINALIZER + " from it");
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

    /**
     * The writes of a set, a wave at a time, each sent together. The API server checks a RoleBinding against the Role it
     * names, which must be stored by then (RBAC's escalation check, unless the writer may bind any role, which the
     * shipped RBAC does not grant); ARC must find every companion the AutoscalingRunnerSet names when it first sees it.
     */
    private static final List<Set<ManagedKind>> WAVES = List.of(
            EnumSet.complementOf(EnumSet.of(ManagedKind.ROLE_BINDING, ManagedKind.AUTOSCALING_RUNNER_SET)),
            EnumSet.of(ManagedKind.ROLE_BINDING), EnumSet.of(ManagedKind.AUTOSCALING_RUNNER_SET));

    /** An object to write, and its live copy the write was decided on. */
    private record Pending(RenderedObject object, Optional<HasMetadata> live) {
    }

    /** Of {@code objects}, those to write; the rest, in sync or being deleted, are added to {@code foundInSync}. */
    private List<Pending> toWrite(RenderedSet desired, List<RenderedObject> objects, List<HasMetadata> foundInSync) {
        List<Pending> toWrite = new ArrayList<>();
        for (RenderedObject object : objects) {
            Optional<HasMetadata> live = live(object);
            if (live.filter(SetApply::terminating).isEmpty() && (live.isEmpty() || !drift.inSync(desired, object, live.get()))) {
                toWrite.add(new Pending(object, live));
            } else {
                foundInSync.add(live.get());
            }
        }
        return toWrite;
    }

    /**
     * Sends the writes at once and waits for all of them: with a set's companions in flight together, the apply
     * pool's threads keep many more requests in flight than there are threads. Each write that succeeded is kept
     * and logged, in the rendering's order; then the first failure, if any, is thrown.
     */
    private void writeTogether(RenderedSet desired, List<Pending> pending, Writes writes, List<String> changes) {
        List<CompletableFuture<HasMetadata>> sent = pending.stream().map(write -> writer.applyAsync(write.object())).toList();
        ApiWriter.WriteFailedException failed = null;
        for (int i = 0; i < pending.size(); i++) {
            try {
                HasMetadata stored = ApiWriter.await(sent.get(i));
                writes.applied().add(Writes.Written.of(stored));
                written(desired, pending.get(i), stored, changes);
            } catch (ApiWriter.WriteFailedException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private void written(RenderedSet desired, Pending write, HasMetadata stored, List<String> changes) {
        String setName = desired.set().name();
        RenderedObject object = write.object();
        Optional<HasMetadata> live = write.live();
        lastApplied.put(setName, Instant.now());
        if (object.kind() == ManagedKind.AUTOSCALING_RUNNER_SET) {
            breaker.applied(setName, stored.getMetadata().getUid());
            if (live.isEmpty()) {
                events.normal(stored, "Created", "created by arcfleet for " + desired.set().repository().fullName()
                        + ", instance " + desired.set().instance());
            }
            drainEvents(desired, live, stored);
        }
        changes.add((live.isEmpty() ? "created " : "updated ") + object.describe());
    }

    /** A drain and its end on the set's Events: each is one write, so each is one Event. */
    private void drainEvents(RenderedSet desired, Optional<HasMetadata> live, HasMetadata stored) {
        String setName = desired.set().name();
        boolean before = live.map(Labels::drained).orElse(false);
        boolean drained = desired.runners() == Runners.DRAINED;
        if (drained && !before) {
            events.warning(stored, "Drained", setName, "cache over maxCacheSize at two measurements in a row ("
                    + caches.report().usage().get(setName) + "): minRunners and maxRunners are 0, so ARC removes idle runners"
                    + " and lets busy ones finish; the cache is cleared once no pod mounts it, then the runners are restored");
        } else if (before && !drained) {
            events.resolved(stored, "Drained", setName);
            CacheState state = caches.state(setName);
            events.normal(stored, "Restored", (state == CacheState.CLEARED ? "cache cleared" : "cache not cleared, "
                    + state.meaning()) + ": minRunners and maxRunners as configured again");
        }
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
     * A conflict if an object arcfleet would write (its own, or handed over by label) is still claimed by a tool that
     * installs the chart: while Helm still records its release, {@code helm uninstall} would delete it, and Flux or
     * Argo CD would sync it back or prune it. An object not handed over is the conflict {@link #inTheWay} reports,
     * so the user labels first and ends the claim second, as import's hand-over says. A Flux or Argo CD claim comes
     * first, since either would install the Helm release again.
     */
    private Optional<SetStatus> claimedByInstaller(RenderedSet desired) {
        Map<Reason, Map<Claimant, List<String>>> claims = new java.util.EnumMap<>(Reason.class);
        for (RenderedObject object : desired.allObjects()) {
            // Only what arcfleet writes: this configuration's, or handed over by label.
            Optional<HasMetadata> live = live(object).filter(found -> WRITTEN_BY_ARCFLEET.contains(Ownership.of(found, owner)));
            if (live.isEmpty()) {
                continue;
            }
            Map<String, String> labels = live.get().getMetadata().getLabels();
            Map<String, String> annotations = live.get().getMetadata().getAnnotations();
            ReleaseOwnerKeys.fluxHelmRelease(labels).ifPresent(release -> claim(claims, Reason.FLUX_STILL_OWNS,
                    new Claimant("Flux HelmRelease " + release, "suspend it and delete it from its source, then remove"
                            + " the labels " + ReleaseOwnerKeys.FLUX_HELM_RELEASE_NAME + " and "
                            + ReleaseOwnerKeys.FLUX_HELM_RELEASE_NAMESPACE), object));
            ReleaseOwnerKeys.argoCdApplication(labels, annotations).ifPresent(application -> claim(claims,
                    Reason.ARGO_CD_STILL_OWNS, new Claimant("Argo CD application " + application, "take the set out of"
                            + " the application without pruning it, then remove " + ReleaseOwnerKeys.ARGO_CD_TRACKING_ID
                            + " and " + ReleaseOwnerKeys.ARGO_CD_INSTANCE), object));
            helmRelease(annotations).ifPresent(release -> {
                String namespace = annotations.getOrDefault(ReleaseOwnerKeys.HELM_RELEASE_NAMESPACE, object.namespace());
                String forget = "`kubectl -n " + namespace + " delete secret -l " + ReleaseOwnerKeys.helmRecordSelector(release)
                        + "`";
                if (!cache.seesHelmRecordsIn(namespace)) {
                    claim(claims, Reason.HELM_RELEASE_STILL_OWNS, new Claimant("Helm release " + release + " of namespace "
                            + namespace + ", whose records arcfleet does not watch,", "once " + forget + " has run, remove"
                            + " the annotations " + String.join(" and ", ReleaseOwnerKeys.HELM_ANNOTATIONS) + " by hand"),
                            object);
                    return;
                }
                List<String> records = cache.helmReleaseRecords(namespace, release);
                if (!records.isEmpty()) {
                    claim(claims, Reason.HELM_RELEASE_STILL_OWNS, new Claimant("Helm release " + release + " (records "
                            + String.join(", ", records) + ")", "let Helm forget it with " + forget
                            + "; never `helm uninstall`, which deletes the set"), object);
                }
            });
        }
        return Stream.of(Reason.FLUX_STILL_OWNS, Reason.ARGO_CD_STILL_OWNS, Reason.HELM_RELEASE_STILL_OWNS)
                .filter(claims::containsKey).findFirst()
                .map(reason -> status(desired, reason, claims.get(reason).entrySet().stream()
                        .map(claim -> claim.getKey().who() + " still owns, left untouched: "
                                + String.join(", ", claim.getValue()) + " (" + claim.getKey().howToEnd() + ")")
                        .collect(Collectors.joining("; "))));
    }

    /** Who claims objects of a set, and how the claim ends, for people. */
    private record Claimant(String who, String howToEnd) {
    }

    private static void claim(Map<Reason, Map<Claimant, List<String>>> claims, Reason reason, Claimant claimant,
            RenderedObject object) {
        claims.computeIfAbsent(reason, key -> new LinkedHashMap<>()).computeIfAbsent(claimant, key -> new ArrayList<>())
                .add(object.describe());
    }

    private static Optional<String> helmRelease(Map<String, String> annotations) {
        return Optional.ofNullable(annotations).map(present -> present.get(ReleaseOwnerKeys.HELM_RELEASE_NAME));
    }

    /**
     * Removes the Helm annotations of a set Helm no longer records ({@link #claimedByInstaller} let it pass), so no
     * later {@code helm install} or {@code upgrade} of a release by that name takes the objects back.
     */
    private void forgetHelmRelease(RenderedSet desired, Writes writes) {
        for (RenderedObject object : desired.allObjects()) {
            Optional<HasMetadata> live = live(object);
            Map<String, String> annotations = live.map(found -> found.getMetadata().getAnnotations()).orElse(null);
            if (annotations == null) {
                continue;
            }
            List<String> keys = ReleaseOwnerKeys.HELM_ANNOTATIONS.stream().filter(annotations::containsKey).toList();
            if (!keys.isEmpty()) {
                writes.applied().add(Writes.Written.of(writer.removeAnnotations(live.get(), keys)));
                LOG.infof("Runner set %s: took %s over from Helm release %s", desired.set().name(), object.describe(),
                        annotations.getOrDefault(ReleaseOwnerKeys.HELM_RELEASE_NAME, "?"));
            }
        }
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
        return cache.get(desired.kind(), desired.namespace(), desired.name());
    }

    private static SetStatus status(RenderedSet desired, Reason reason, String detail) {
        return new SetStatus(desired.set().name(), desired.set().repository().fullName(), reason, detail);
    }

    static boolean terminating(HasMetadata object) {
        return object.getMetadata().getDeletionTimestamp() != null;
    }
}
