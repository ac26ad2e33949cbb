package dev.arcfleet.chart;

import java.util.Arrays;
import java.util.Optional;

/**
 * The keys of the chart's {@code resourceMeta}: extra labels and annotations for one object. The first eight are
 * objects the chart (and arcfleet) creates; the others are objects ARC creates from the set, which ARC 0.14 took
 * into the AutoscalingRunnerSet's spec as {@link #specField()}.
 */
public enum ResourceMetaTarget {
    AUTOSCALING_RUNNER_SET("autoscalingRunnerSet", null),
    GITHUB_CONFIG_SECRET("githubConfigSecret", null),
    KUBERNETES_MODE_ROLE("kubernetesModeRole", null),
    KUBERNETES_MODE_ROLE_BINDING("kubernetesModeRoleBinding", null),
    KUBERNETES_MODE_SERVICE_ACCOUNT("kubernetesModeServiceAccount", null),
    MANAGER_ROLE("managerRole", null),
    MANAGER_ROLE_BINDING("managerRoleBinding", null),
    NO_PERMISSION_SERVICE_ACCOUNT("noPermissionServiceAccount", null),
    AUTOSCALING_LISTENER("autoscalingListener", "autoscalingListener"),
    LISTENER_SERVICE_ACCOUNT("listenerServiceAccount", "listenerServiceAccountMetadata"),
    LISTENER_ROLE("listenerRole", "listenerRoleMetadata"),
    LISTENER_ROLE_BINDING("listenerRoleBinding", "listenerRoleBindingMetadata"),
    LISTENER_CONFIG_SECRET("listenerConfigSecret", "listenerConfigSecretMetadata"),
    EPHEMERAL_RUNNER_SET("ephemeralRunnerSet", "ephemeralRunnerSetMetadata"),
    EPHEMERAL_RUNNER("ephemeralRunner", "ephemeralRunnerMetadata"),
    EPHEMERAL_RUNNER_CONFIG_SECRET("ephemeralRunnerConfigSecret", "ephemeralRunnerConfigSecretMetadata");

    private final String yamlName;
    private final String specField;

    ResourceMetaTarget(String yamlName, String specField) {
        this.yamlName = yamlName;
        this.specField = specField;
    }

    public String yamlName() {
        return yamlName;
    }

    /** The AutoscalingRunnerSet spec field ARC reads it from; empty for objects arcfleet renders itself. */
    public Optional<String> specField() {
        return Optional.ofNullable(specField);
    }

    public static Optional<ResourceMetaTarget> fromYamlName(String name) {
        return Arrays.stream(values()).filter(target -> target.yamlName.equals(name)).findFirst();
    }
}
