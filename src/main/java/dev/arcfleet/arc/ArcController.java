package dev.arcfleet.arc;

/**
 * The ARC controller the sets are made for. {@code version} becomes each set's
 * {@code app.kubernetes.io/version} label, which the controller compares with its own; its
 * ServiceAccount is bound to each set's manager Role.
 */
public record ArcController(String version, String serviceAccountName, String serviceAccountNamespace) {
}
