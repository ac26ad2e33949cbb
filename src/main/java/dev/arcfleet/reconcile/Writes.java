package dev.arcfleet.reconcile;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.ManagedKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * What a cycle changed, so it can wait until its informers show it. Only the identity of each object is
 * kept: holding the objects the API server returned until the cycle ends let a large sync's responses,
 * managedFields and all, outlive the young generation and grow the old one.
 */
record Writes(List<Written> applied, List<Written> released, List<Written> deleted) {
    Writes() {
        this(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
    }

    private static final long CATCH_UP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** An object as a write left it: stored at {@code resourceVersion}, or released with this {@code uid}. */
    record Written(ManagedKind kind, String namespace, String name, String resourceVersion, String uid) {
        static Written of(HasMetadata object) {
            ObjectMeta meta = object.getMetadata();
            return new Written(ManagedKind.of(object), meta.getNamespace(), meta.getName(), meta.getResourceVersion(), meta.getUid());
        }
    }

    /**
     * Waits briefly until the informers show what this cycle applied, or something newer (ARC patches a
     * new AutoscalingRunnerSet at once), no longer show what it released, and show what it deleted as gone or
     * being deleted, so the next cycle compares against that rather than a stale copy and sends no redundant
     * write (a second delete of an object already gone is a 404).
     */
    void awaitCaughtUp(ClusterCache cache) {
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT_NANOS;
        for (Written object : applied) {
            if (!awaitCached(cache, object, cached -> cached.map(live -> ClusterCache.atOrAfter(live.getMetadata().getResourceVersion(),
                    object.resourceVersion())).orElse(false), deadline)) {
                return;
            }
        }
        for (Written object : released) {
            if (!awaitCached(cache, object, cached -> cached.filter(live -> object.uid().equals(live.getMetadata().getUid())).isEmpty(),
                    deadline)) {
                return;
            }
        }
        for (Written object : deleted) {
            if (!awaitCached(cache, object, cached -> cached.filter(live -> object.uid().equals(live.getMetadata().getUid())
                    && live.getMetadata().getDeletionTimestamp() == null).isEmpty(), deadline)) {
                return;
            }
        }
    }

    private static boolean awaitCached(ClusterCache cache, Written object, Predicate<Optional<HasMetadata>> caughtUp, long deadline) {
        while (!caughtUp.test(cache.get(object.kind(), object.namespace(), object.name()))) {
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

}
