package dev.arcfleet.reconcile;

import java.util.ArrayList;
import java.util.List;

import dev.arcfleet.cluster.RenderedObject;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.DesiredRunnerSet;
import dev.arcfleet.render.Runners;

/**
 * A {@link DesiredRunnerSet} as the reconciler keeps and applies it: its objects in the order they are
 * applied, the companions first and the AutoscalingRunnerSet, which refers to them, last, and the runners it allows.
 */
record RenderedSet(RunnerSet set, Runners runners, List<RenderedObject> allObjects) {

    RenderedSet {
        allObjects = List.copyOf(allObjects);
    }

    static RenderedSet of(DesiredRunnerSet desired, Runners runners) {
        List<RenderedObject> all = new ArrayList<>();
        desired.allObjects().forEach(object -> all.add(RenderedObject.of(object)));
        return new RenderedSet(desired.set(), runners, all);
    }

    List<RenderedObject> companions() {
        return allObjects.subList(0, allObjects.size() - 1);
    }

    RenderedObject autoscalingRunnerSet() {
        return allObjects.get(allObjects.size() - 1);
    }
}
