package dev.arcfleet.config;

/**
 * Names in the runner pod that the chart's container modes and arcfleet give their own containers, volumes and
 * variables, so that a user's {@code template} can be checked against them before it is merged.
 */
public final class RunnerPodNames {

    public static final String RUNNER_CONTAINER = "runner";
    /** The chart's command for it. */
    public static final String RUNNER_COMMAND = "/home/runner/run.sh";
    public static final String DIND_CONTAINER = "dind";
    public static final String DIND_EXTERNALS_CONTAINER = "init-dind-externals";
    /** A user volume of this name replaces the kubernetes and dind modes' own. */
    public static final String WORK_VOLUME = "work";
    public static final String DIND_SOCKET_VOLUME = "dind-sock";
    public static final String DIND_EXTERNALS_VOLUME = "dind-externals";
    /** arcfleet's container hooks pod template, which mounts the caches into job pods. */
    public static final String HOOK_TEMPLATE_VOLUME = "hook-template";
    public static final String HOOK_TEMPLATE_ENV = "ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE";

    private RunnerPodNames() {
    }
}
