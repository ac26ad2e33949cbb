package dev.arcfleet.fleet;

import java.util.List;
import java.util.Optional;

/** The kubernetes mode's ephemeral {@code work} volume; an absent storage class means the cluster default. */
public record WorkVolumeClaim(Optional<String> storageClassName, List<String> accessModes, String storage) {

    public WorkVolumeClaim {
        accessModes = List.copyOf(accessModes);
    }
}
