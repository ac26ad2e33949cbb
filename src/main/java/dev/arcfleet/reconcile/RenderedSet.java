package dev.arcfleet.reconcile;

import java.util.ArrayList;
import java.util.List;

import dev.arcfleet.cluster.RenderedObject;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.DesiredRunnerSet;

/**
 * A {@link DesiredRunnerSet} as the reconciler keeps and applies it: its objects in the order they are
 * applied, the companions first and the AutoscalingRunnerSet, which refers to them, last.
 */
record RenderedSet(RunnerSet set, List<RenderedObject> allObjects) {

    RenderedSet {
        allObjects = List.copyOf(allObjects);
    }

    static RenderedSet of(DesiredRunnerSet desired) {
        List<RenderedObject> all = new ArrayList<>();
        desired.allObjects().forEach(object -> all.add(RenderedObject.of(object)));
        return new RenderedSet(desired.set(), all);
    }

    List<RenderedObject> companions() {
        return allObjects.subList(0, allObjects.size() - 1);
    }

    RenderedObject autoscalingRunnerSet() {
        return allObjects.get(allObjects.size() - 1);
    }
}
