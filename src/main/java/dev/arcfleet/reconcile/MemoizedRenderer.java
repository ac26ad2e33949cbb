package dev.arcfleet.reconcile;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.render.Runners;

/**
 * Renders a set again only when what it is rendered from changed. Rendering serialises and hashes
 * every object, which at hundreds of sets would make an idle cycle cost more than everything else
 * the daemon does; comparing the inputs costs next to nothing, and is exact, since rendering is pure.
 * A rendering is kept as {@link RenderedSet}, the request bodies, rather than as the client's models.
 */
final class MemoizedRenderer {

    /** Everything {@link RunnerSetRenderer#render} reads; a drain is one of them, so it is rendered once, and undone once. */
    record Inputs(RunnerSet set, ClusterFacts facts, GithubCredentials credentials, Runners runners) {
    }

    private record Rendered(Inputs inputs, RenderedSet rendered) {
    }

    private final Map<String, Rendered> bySet = new ConcurrentHashMap<>();

    RenderedSet render(Inputs inputs) {
        Optional<RenderedSet> known = rendered(inputs);
        if (known.isPresent()) {
            return known.get();
        }
        RenderedSet rendered = RenderedSet.of(RunnerSetRenderer.render(inputs.set(), inputs.facts(), inputs.credentials(),
                inputs.runners()), inputs.runners());
        bySet.put(inputs.set().name(), new Rendered(inputs, rendered));
        return rendered;
    }

    /** The rendering of exactly these inputs, if it is at hand. */
    Optional<RenderedSet> rendered(Inputs inputs) {
        Rendered last = bySet.get(inputs.set().name());
        return last != null && last.inputs().equals(inputs) ? Optional.of(last.rendered()) : Optional.empty();
    }

    /** Forgets sets that left the fleet. */
    void retain(Set<String> setNames) {
        bySet.keySet().retainAll(setNames);
    }
}
