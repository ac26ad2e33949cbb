package dev.arcfleet.reconcile;

import java.util.Optional;

import dev.arcfleet.cluster.ClusterCache;
import dev.arcfleet.cluster.EventRecorder;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.FleetSchema;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The repositories ConfigMap as last read. An invalid or missing ConfigMap never replaces the last
 * valid configuration: that one stays in force, so bad input deletes nothing.
 */
final class ConfigSource {

    private final ClusterCache cache;
    private final String namespace;
    private final String name;
    private final EventRecorder events;
    private final FleetConfigParser parser;
    private final KubernetesClient client;
    private volatile FleetConfig lastValid;
    private volatile String lastValidVersion;
    /** The text last parsed and why it was invalid (null if valid): an unchanged ConfigMap is not parsed again. */
    private String lastText;
    private String lastTextProblem;

    ConfigSource(KubernetesClient client, ClusterCache cache, String namespace, String name, int maxSets,
            EventRecorder events) {
        this.client = client;
        this.cache = cache;
        this.parser = new FleetConfigParser(maxSets);
        this.namespace = namespace;
        this.name = name;
        this.events = events;
    }

    Optional<FleetConfig> lastValid() {
        return Optional.ofNullable(lastValid);
    }

    /** The ConfigMap's resourceVersion that {@link #lastValid()} was read from. */
    String lastValidVersion() {
        return lastValidVersion;
    }

    Optional<ConfigMap> configMap() {
        return cache.configMap(name);
    }

    /**
     * Whether the configuration in force is the ConfigMap's current version, by a read that bypasses
     * the API server's watch cache: a lagging server in an HA control plane could otherwise hand out an
     * older ConfigMap, and sets just added would be pruned. Asked before anything is deleted.
     */
    boolean confirmedCurrent() {
        return confirmedCurrent(lastValidVersion);
    }

    /** The same check for the configuration that was in force when {@code version} was read. */
    boolean confirmedCurrent(String version) {
        try {
            ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
            return current != null && current.getMetadata().getResourceVersion().equals(version);
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /** Reads the ConfigMap; returns why it cannot be used, or null when it is valid. */
    String read() {
        String source = "ConfigMap " + namespace + "/" + name;
        Optional<ConfigMap> configMap = configMap();
        if (configMap.isEmpty()) {
            return source + " not found";
        }
        String text = Optional.ofNullable(configMap.get().getData()).map(data -> data.get(FleetSchema.CONFIG_MAP_KEY))
                .orElse(null);
        if (text == null) {
            return source + " has no key " + FleetSchema.CONFIG_MAP_KEY;
        }
        if (!text.equals(lastText)) {
            lastTextProblem = parse(text);
            lastText = text;
        }
        if (lastTextProblem == null) {
            lastValidVersion = configMap.get().getMetadata().getResourceVersion();
            events.resolved(configMap.get(), "InvalidConfiguration", "");
            return null;
        }
        events.warning(configMap.get(), "InvalidConfiguration", "", "repositories.yaml is invalid, the last valid "
                + "configuration stays in force: " + lastTextProblem);
        return source + " key " + FleetSchema.CONFIG_MAP_KEY + " is invalid: " + lastTextProblem;
    }

    private String parse(String text) {
        try {
            lastValid = parser.parse(text);
            return null;
        } catch (InvalidFleetConfigException e) {
            return e.getMessage();
        }
    }
}
