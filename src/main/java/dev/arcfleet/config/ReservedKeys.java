package dev.arcfleet.config;

import java.util.List;
import java.util.Set;

/**
 * Label and annotation keys a user may not set on a set's objects: the chart's own labels (the chart drops a user
 * value for them), ARC's {@code actions.github.com/} keys, which steer its cleanup and listener, and arcfleet's.
 */
public final class ReservedKeys {

    private static final Set<String> CHART_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/name",
            "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
            "app.kubernetes.io/part-of", "app.kubernetes.io/component");
    private static final List<String> OWNED_PREFIXES = List.of("actions.github.com/", "arcfleet.dev/");

    private ReservedKeys() {
    }

    public static boolean label(String key) {
        return CHART_LABELS.contains(key) || annotation(key);
    }

    public static boolean annotation(String key) {
        return OWNED_PREFIXES.stream().anyMatch(key::startsWith);
    }
}
