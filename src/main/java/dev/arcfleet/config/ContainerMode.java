package dev.arcfleet.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The chart's {@code containerMode.type}. */
public enum ContainerMode {
    KUBERNETES("kubernetes"),
    KUBERNETES_NOVOLUME("kubernetes-novolume"),
    DIND("dind");

    private final String yamlName;

    ContainerMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** Kubernetes modes run jobs in pods created by the container hooks, with their own ServiceAccount. */
    public boolean usesKubeModeServiceAccount() {
        return this != DIND;
    }

    static Optional<ContainerMode> fromYamlName(String name) {
        return Arrays.stream(values()).filter(mode -> mode.yamlName.equals(name)).findFirst();
    }

    static String allYamlNames() {
        return Arrays.stream(values()).map(ContainerMode::yamlName).collect(Collectors.joining(", "));
    }
}
