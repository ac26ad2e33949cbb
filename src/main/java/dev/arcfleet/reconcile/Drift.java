package dev.arcfleet.reconcile;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.arcfleet.cluster.RenderedObject;
import dev.arcfleet.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Decides whether a live object still is what arcfleet would apply, without a write. Two checks:
 * the desired-hash annotation catches fields arcfleet stopped setting (server-side apply removes
 * them), and a structural "everything desired is present in the live object" catches hand edits.
 * Fields others add (status, defaults, ARC's finalizer and annotations) are not drift.
 * The structural check converts both objects to trees, so its verdict is remembered per object: a
 * live object whose resourceVersion is unchanged cannot have been edited since, and the same desired
 * object (rendering is memoised, so a new one exactly when its inputs changed) wants the same. An idle
 * cycle then only compares a reference and a string per object.
 */
final class Drift {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** The live resourceVersion each object of one rendering of a set was last found in sync with. */
    private record Verdicts(RenderedSet rendering, Map<RenderedObject, String> liveVersions) {
    }

    private final Map<String, Verdicts> inSyncBySet = new ConcurrentHashMap<>();

    /** Whether {@code live} is what {@code desired}, one of {@code set}'s objects, would apply. */
    boolean inSync(RenderedSet set, RenderedObject desired, HasMetadata live) {
        Map<String, String> liveAnnotations = live.getMetadata().getAnnotations();
        if (liveAnnotations == null || !Objects.equals(desired.desiredHash(), liveAnnotations.get(Labels.DESIRED_HASH_ANNOTATION))) {
            return false;
        }
        // By identity: a set rendered anew is compared anew. One set is applied by one thread at a time.
        Verdicts verdicts = inSyncBySet.compute(set.set().name(), (name, last) -> last != null && last.rendering() == set
                ? last : new Verdicts(set, Collections.synchronizedMap(new IdentityHashMap<>())));
        Map<RenderedObject, String> inSync = verdicts.liveVersions();
        String liveVersion = live.getMetadata().getResourceVersion();
        if (liveVersion.equals(inSync.get(desired))) {
            return true;
        }
        Map<?, ?> desiredTree = desired.tree();
        Map<?, ?> liveTree = SERIALIZATION.convertValue(live, Map.class);
        if (contained(desiredTree, liveTree, false)) {
            inSync.put(desired, liveVersion);
            return true;
        }
        inSync.remove(desired);
        return false;
    }

    /** Forgets sets that left the fleet. */
    void retain(Set<String> setNames) {
        inSyncBySet.keySet().retainAll(setNames);
    }


    @SuppressWarnings("unchecked")
    private static boolean contained(Object desired, Object live, boolean listAsSet) {
        if (desired instanceof Map<?, ?> desiredMap) {
            if (!(live instanceof Map<?, ?> liveMap)) {
                return false;
            }
            for (Map.Entry<?, ?> entry : desiredMap.entrySet()) {
                // Finalizers are a set shared with ARC, which adds its own.
                boolean finalizers = "finalizers".equals(entry.getKey());
                if (!contained(entry.getValue(), liveMap.get(entry.getKey()), finalizers)) {
                    return false;
                }
            }
            return true;
        }
        if (desired instanceof List<?> desiredList) {
            if (!(live instanceof List<?> liveList)) {
                return desiredList.isEmpty() && live == null;
            }
            if (listAsSet) {
                return ((List<Object>) liveList).containsAll(desiredList);
            }
            if (desiredList.size() != liveList.size()) {
                return false;
            }
            for (int i = 0; i < desiredList.size(); i++) {
                if (!contained(desiredList.get(i), liveList.get(i), false)) {
                    return false;
                }
            }
            return true;
        }
        if (desired instanceof Number desiredNumber && live instanceof Number liveNumber) {
            return desiredNumber.longValue() == liveNumber.longValue()
                    && desiredNumber.doubleValue() == liveNumber.doubleValue();
        }
        return Objects.equals(desired, live);
    }
}
