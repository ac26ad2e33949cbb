package dev.arcfleet.chart;

/**
 * Names in the runner pod that the chart's container modes and arcfleet give their own containers, volumes and
 * variables, so that a user's {@code template} can be checked against them before it is merged.
 */
public final class RunnerPodNames {

    public static final String RUNNER_CONTAINER = "runner";
    /** The chart's command for it. */
    public static final String RUNNER_COMMAND = RunnerPaths.RUN_SCRIPT;
    public static final String DIND_CONTAINER = "dind";
    public static final String DIND_EXTERNALS_CONTAINER = "init-dind-externals";
    /** A user volume of this name replaces the kubernetes and dind modes' own. */
    public static final String WORK_VOLUME = "work";
    public static final String DIND_SOCKET_VOLUME = "dind-sock";
    public static final String DIND_EXTERNALS_VOLUME = "dind-externals";
    /**
     * arcfleet's volume of a set's cache claim, each cache a subPath of it. Cache directories' volumes are
     * {@code cache-<name>}, so this name is never one of theirs.
     */
    public static final String CACHE_CLAIM_VOLUME = "cache";
    /** arcfleet's container hooks pod template, which mounts the caches into job pods. */
    public static final String HOOK_TEMPLATE_VOLUME = "hook-template";
    public static final String HOOK_TEMPLATE_ENV = "ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE";
    /** The chart's volume for {@code githubServerTLS.certificateFrom}. */
    public static final String TLS_VOLUME = "github-server-tls-cert";
    /** The kubernetes modes' runner variables, as the chart sets them. */
    public static final String HOOKS_ENV = "ACTIONS_RUNNER_CONTAINER_HOOKS";
    public static final String POD_NAME_ENV = "ACTIONS_RUNNER_POD_NAME";
    public static final String REQUIRE_JOB_CONTAINER_ENV = "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER";
    /** kubernetes-novolume mode's: the image job containers start from. */
    public static final String RUNNER_IMAGE_ENV = "ACTIONS_RUNNER_IMAGE";

    private RunnerPodNames() {
    }
}
