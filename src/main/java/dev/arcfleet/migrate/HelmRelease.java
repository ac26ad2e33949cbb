package dev.arcfleet.migrate;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One release of ARC's {@code gha-runner-scale-set} chart: its name and the values it was installed with, as
 * {@code helm get values} prints them, or as reconstructed from the objects it made.
 */
public record HelmRelease(String name, ObjectNode values) {

    /** The chart names the set after {@code runnerScaleSetName}, else after the release. */
    public String setName() {
        return values.path("runnerScaleSetName").asText("").isEmpty() ? name : values.get("runnerScaleSetName").asText();
    }
}
