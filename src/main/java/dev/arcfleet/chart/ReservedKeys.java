package dev.arcfleet.chart;

import java.util.List;
import java.util.Set;

import dev.arcfleet.arc.ArcKeys;

/**
 * Label and annotation keys a user may not set on a set's objects: the chart's own labels (the chart drops a user
 * value for them), ARC's {@code actions.github.com/} keys, which steer its cleanup and listener, and arcfleet's.
 */
public final class ReservedKeys {

    private static final Set<String> CHART_LABELS = Set.of(ReleaseOwnerKeys.HELM_CHART_LABEL, ArcKeys.NAME, ArcKeys.INSTANCE,
            ArcKeys.VERSION, ArcKeys.MANAGED_BY, ArcKeys.PART_OF, ArcKeys.COMPONENT);
    private static final List<String> OWNED_PREFIXES = List.of(ArcKeys.PREFIX, "arcfleet.dev/");

    private ReservedKeys() {
    }

    public static boolean label(String key) {
        return CHART_LABELS.contains(key) || annotation(key);
    }

    public static boolean annotation(String key) {
        return OWNED_PREFIXES.stream().anyMatch(key::startsWith);
    }
}
