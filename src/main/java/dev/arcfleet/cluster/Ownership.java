package dev.arcfleet.cluster;

import java.util.Optional;

import dev.arcfleet.render.Labels;
import dev.arcfleet.settings.Owner;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** Whose a live object is, seen from one daemon's configuration ({@link Owner}). */
public enum Ownership {
    /** Made by this configuration: applied, adopted companions pruned, pruned when its set goes. */
    OURS,
    /**
     * Made by an arcfleet before objects carried their owner. Adopted (relabelled) when its set is desired
     * by this configuration; never pruned otherwise, since it may be another configuration's.
     */
    UNCLAIMED,
    /** Another configuration's: a conflict when in the way, never changed or deleted. */
    OTHERS,
    /** Not arcfleet's at all. */
    UNMANAGED;

    public static Ownership of(HasMetadata live, Owner owner) {
        if (!Labels.managedByArcfleet(live)) {
            return UNMANAGED;
        }
        Optional<String> labelled = Labels.owner(live);
        if (labelled.isEmpty()) {
            return UNCLAIMED;
        }
        return labelled.get().equals(owner.value()) ? OURS : OTHERS;
    }
}
