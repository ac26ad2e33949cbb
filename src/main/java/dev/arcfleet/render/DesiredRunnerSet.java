package dev.arcfleet.render;

import java.util.ArrayList;
import java.util.List;

import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Every object of one runner set, as arcfleet wants it. The companions (ServiceAccount, RBAC, Secret)
 * come first: the AutoscalingRunnerSet refers to them and ARC needs them from its first reconcile.
 */
public record DesiredRunnerSet(RunnerSet set, List<HasMetadata> companions, GenericKubernetesResource autoscalingRunnerSet) {

    public DesiredRunnerSet {
        companions = List.copyOf(companions);
    }

    public List<HasMetadata> allObjects() {
        List<HasMetadata> all = new ArrayList<>(companions);
        all.add(autoscalingRunnerSet);
        return all;
    }
}
