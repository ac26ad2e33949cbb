package dev.arcfleet.migrate;

import java.util.List;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** A set a Helm release of the chart made, as found in a cluster: its AutoscalingRunnerSet and the chart's companions. */
public record HelmMadeSet(GenericKubernetesResource runnerSet, List<HasMetadata> companions) {

    public HelmMadeSet {
        companions = List.copyOf(companions);
    }
}
