package dev.arcfleet.arc;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** ARC's custom resources as the API server serves them: group, version, kinds and plurals. */
public final class ArcApi {

    public static final String GROUP = "actions.github.com";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String AUTOSCALING_RUNNER_SET_KIND = "AutoscalingRunnerSet";

    public static final ResourceDefinitionContext AUTOSCALING_RUNNER_SETS = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind(AUTOSCALING_RUNNER_SET_KIND)
            .withPlural("autoscalingrunnersets").withNamespaced(true).build();

    /** ARC's listener per set, in the controller namespace. */
    public static final ResourceDefinitionContext AUTOSCALING_LISTENERS = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("AutoscalingListener")
            .withPlural("autoscalinglisteners").withNamespaced(true).build();

    private ArcApi() {
    }
}
