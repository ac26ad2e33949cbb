package dev.arcfleet.settings;

import dev.arcfleet.chart.SetNames;

/**
 * The configuration a managed object or cache directory belongs to: {@code <namespace>.<config-map>}.
 * Two daemons with different ConfigMaps, or for different namespaces, never prune, adopt or collect
 * each other's. It is a label value, so a name over 63 characters keeps its start and ends in a hash
 * of the whole, as long set names do.
 */
public record Owner(String value) {

    static final int MAX_LABEL_VALUE_LENGTH = 63;

    public static Owner of(ArcfleetConfig config) {
        return of(config.namespace(), config.configMap());
    }

    static Owner of(String namespace, String configMap) {
        String full = namespace + "." + configMap;
        if (full.length() <= MAX_LABEL_VALUE_LENGTH) {
            return new Owner(full);
        }
        String hashSuffix = "-" + SetNames.shortHash(full);
        String kept = full.substring(0, MAX_LABEL_VALUE_LENGTH - hashSuffix.length()).replaceAll("[^a-z0-9]+$", "");
        return new Owner(kept + hashSuffix);
    }

    @Override
    public String toString() {
        return value;
    }
}
