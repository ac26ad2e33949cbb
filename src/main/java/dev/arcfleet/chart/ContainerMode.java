package dev.arcfleet.chart;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The chart's {@code containerMode.type}; {@code none} is the chart's default, no container mode. */
public enum ContainerMode {
    KUBERNETES("kubernetes"),
    KUBERNETES_NOVOLUME("kubernetes-novolume"),
    DIND("dind"),
    /** The runner container and the user's {@code template} only, with the no-permission ServiceAccount. */
    NONE("none");

    private final String yamlName;

    ContainerMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** Kubernetes modes run jobs in pods created by the container hooks, with their own ServiceAccount. */
    public boolean usesKubeModeServiceAccount() {
        return this == KUBERNETES || this == KUBERNETES_NOVOLUME;
    }

    public static Optional<ContainerMode> fromYamlName(String name) {
        return Arrays.stream(values()).filter(mode -> mode.yamlName.equals(name)).findFirst();
    }

    public static String allYamlNames() {
        return Arrays.stream(values()).map(ContainerMode::yamlName).collect(Collectors.joining(", "));
    }
}
