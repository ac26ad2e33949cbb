package dev.arcfleet.reconcile;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.arcfleet.render.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Decides whether a live object still is what arcfleet would apply, without a write. Two checks:
 * the desired-hash annotation catches fields arcfleet stopped setting (server-side apply removes
 * them), and a structural "everything desired is present in the live object" catches hand edits.
 * Fields others add (status, defaults, ARC's finalizer and annotations) are not drift.
 */
final class Drift {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Drift() {
    }

    static boolean inSync(HasMetadata desired, HasMetadata live) {
        String desiredHash = desired.getMetadata().getAnnotations().get(Labels.DESIRED_HASH_ANNOTATION);
        Map<String, String> liveAnnotations = live.getMetadata().getAnnotations();
        if (liveAnnotations == null || !Objects.equals(desiredHash, liveAnnotations.get(Labels.DESIRED_HASH_ANNOTATION))) {
            return false;
        }
        Map<?, ?> desiredTree = SERIALIZATION.convertValue(desired, Map.class);
        Map<?, ?> liveTree = SERIALIZATION.convertValue(live, Map.class);
        return contained(desiredTree, liveTree, false);
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
