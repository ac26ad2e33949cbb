package dev.arcfleet.arc;

/**
 * The label, annotation and finalizer keys that ARC's controller and its charts define, and their fixed
 * values. The controller matches on them (it finds a set's objects, its listener and its pods by them), so
 * arcfleet spells each exactly once, here, as ARC's own {@code constants.go} does.
 */
public final class ArcKeys {

    /** Every key of ARC's own starts with it; arcfleet lets no user label or annotation claim one. */
    public static final String PREFIX = "actions.github.com/";

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String VERSION = "app.kubernetes.io/version";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String COMPONENT = "app.kubernetes.io/component";
    /** The chart's {@code part-of} on a runner set's objects. */
    public static final String PART_OF_RUNNER_SET = "gha-rs";
    /** The controller chart's {@code part-of} on the controller's Deployment. */
    public static final String PART_OF_CONTROLLER = "gha-rs-controller";

    /** Every object of a set, and ARC's runner pods, carry the set's name and namespace. */
    public static final String SCALE_SET_NAME = PREFIX + "scale-set-name";
    public static final String SCALE_SET_NAMESPACE = PREFIX + "scale-set-namespace";

    /**
     * ARC's record, on the AutoscalingRunnerSet, of the GitHub scale set it registered: deleting the set deregisters
     * that id (one that is no number it skips), a new set takes a registration of the same name in the same runner
     * group over, and a set without the annotation is registered anew.
     */
    public static final String RUNNER_SCALE_SET_ID = "runner-scale-set-id";

    /** ARC recreates a set's listener when this annotation differs from the listener's copy. */
    public static final String VALUES_HASH = PREFIX + "values-hash";
    /** ARC removes it from each companion once the scale set is deregistered from GitHub. */
    public static final String CLEANUP_FINALIZER = PREFIX + "cleanup-protection";
    /** The companions ARC cleans up after a set, named on the AutoscalingRunnerSet. */
    public static final String CLEANUP_GITHUB_SECRET_NAME = PREFIX + "cleanup-github-secret-name";
    public static final String CLEANUP_MANAGER_ROLE_BINDING = PREFIX + "cleanup-manager-role-binding";
    public static final String CLEANUP_MANAGER_ROLE_NAME = PREFIX + "cleanup-manager-role-name";
    public static final String CLEANUP_KUBE_MODE_ROLE_BINDING_NAME = PREFIX + "cleanup-kubernetes-mode-role-binding-name";
    public static final String CLEANUP_KUBE_MODE_ROLE_NAME = PREFIX + "cleanup-kubernetes-mode-role-name";
    public static final String CLEANUP_KUBE_MODE_SERVICE_ACCOUNT_NAME = PREFIX + "cleanup-kubernetes-mode-service-account-name";
    public static final String CLEANUP_NO_PERMISSION_SERVICE_ACCOUNT_NAME = PREFIX + "cleanup-no-permission-service-account-name";

    /** On the controller's Deployment: the ServiceAccount each set's manager Role is bound to. */
    public static final String CONTROLLER_SERVICE_ACCOUNT_NAME = PREFIX + "controller-service-account-name";
    public static final String CONTROLLER_SERVICE_ACCOUNT_NAMESPACE = PREFIX + "controller-service-account-namespace";
    /** On the controller's Deployment: the one namespace it watches, when it watches only one. */
    public static final String CONTROLLER_WATCH_SINGLE_NAMESPACE = PREFIX + "controller-watch-single-namespace";

    private ArcKeys() {
    }
}
