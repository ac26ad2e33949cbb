package dev.arcfleet.chart;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Paths in runner and job containers that the runner image, the container hooks and arcfleet's own pod
 * template need. A cache mounted at or under one of them breaks every runner of its repository.
 *
 * <p>Where they come from: the actions-runner image unpacks the runner into {@code /home/runner}
 * (actions/runner {@code images/Dockerfile}: {@code bin/}, {@code externals/}, the scripts, and the hooks in
 * {@code k8s/} and {@code k8s-novolume/}); the runner writes its logs to {@code _diag/}, its registration
 * and environment files beside the scripts, and works in {@code _work/} ({@code HostContext}). The container
 * hooks mount {@code /__w}, {@code /__e} and {@code /github} into job containers (runner-container-hooks
 * {@code packages/k8s/src/k8s/utils.ts}); in docker mode the runner also maps its tool cache to {@code /__t}
 * ({@code ContainerInfo}).
 */
public final class RunnerPaths {

    public static final String HOME = "/home/runner";
    /** The runner's work directory, emptied for every job. */
    public static final String WORK_DIRECTORY = HOME + "/_work";
    /** Where arcfleet mounts a set's hook template ConfigMap. */
    public static final String HOOK_TEMPLATE_DIRECTORY = HOME + "/pod-template";
    /** The chart's command for the runner container. */
    public static final String RUN_SCRIPT = HOME + "/run.sh";
    public static final String EXTERNALS_DIRECTORY = HOME + "/externals";
    /** Where dind mode's init container copies the externals to, on their shared volume. */
    public static final String DIND_EXTERNALS_COPY_DIRECTORY = HOME + "/tmpDir";
    /** The container hooks of the kubernetes modes, as the chart points the runner at them. */
    public static final String KUBERNETES_HOOKS = HOME + "/k8s/index.js";
    public static final String KUBERNETES_NOVOLUME_HOOKS = HOME + "/k8s-novolume/index.js";
    /** arcfleet's default cache path, when a repository names none. */
    public static final String DEFAULT_CACHE = HOME + "/cache";
    /** dind mode's docker socket directory, shared by the runner and the sidecar. */
    public static final String DIND_SOCKET_DIRECTORY = "/var/run";

    private static final String SYSTEM = "a system path the container needs";
    private static final String RUNNER_SCRIPT = "a script of the runner, which the pod runs";
    private static final String RUNNER_STATE = "a file the runner writes when it starts";

    /** Mounting a cache exactly here would hide everything the image has below. */
    private static final Set<String> HIDING = Set.of("/", "/home", HOME, "/var");

    private record Refused(String root, String why) {
    }

    private static final List<Refused> REFUSED = List.of(
            new Refused("/proc", SYSTEM), new Refused("/sys", SYSTEM), new Refused("/dev", SYSTEM),
            new Refused("/etc", SYSTEM), new Refused("/usr", SYSTEM), new Refused("/bin", SYSTEM),
            new Refused("/sbin", SYSTEM), new Refused("/lib", SYSTEM), new Refused("/lib64", SYSTEM),
            new Refused("/boot", SYSTEM), new Refused("/run", SYSTEM), new Refused("/var/run", SYSTEM),
            new Refused("/nix/store", SYSTEM),
            new Refused(WORK_DIRECTORY, "the runner's work directory, which the runner empties"),
            new Refused(HOME + "/bin", "the runner's own programs"),
            new Refused(EXTERNALS_DIRECTORY, "the runner's externals (Node.js for actions), copied into job containers"),
            new Refused(HOME + "/_diag", "where the runner writes its logs"),
            new Refused(HOME + "/k8s", "the container hooks of kubernetes mode"),
            new Refused(HOME + "/k8s-novolume", "the container hooks of kubernetes-novolume mode"),
            new Refused(HOOK_TEMPLATE_DIRECTORY, "where arcfleet mounts the hook template for the container hooks"),
            new Refused(RUN_SCRIPT, RUNNER_SCRIPT), new Refused(HOME + "/run-helper.sh", RUNNER_SCRIPT),
            new Refused(HOME + "/run-helper.sh.template", RUNNER_SCRIPT), new Refused(HOME + "/config.sh", RUNNER_SCRIPT),
            new Refused(HOME + "/env.sh", RUNNER_SCRIPT), new Refused(HOME + "/safe_sleep.sh", RUNNER_SCRIPT),
            new Refused(HOME + "/.runner", RUNNER_STATE), new Refused(HOME + "/.credentials", RUNNER_STATE),
            new Refused(HOME + "/.credentials_rsaparams", RUNNER_STATE), new Refused(HOME + "/.env", RUNNER_STATE),
            new Refused(HOME + "/.path", RUNNER_STATE),
            new Refused("/__w", "the job's work directory, which the container hooks mount into job containers"),
            new Refused("/__e", "the runner's externals, which the container hooks mount into job containers"),
            new Refused("/__t", "the tool cache the runner mounts into job containers in docker mode"),
            new Refused("/github", "where the container hooks mount the job's home, workflow and workspace into job containers"));

    private RunnerPaths() {
    }

    /** Why no cache may be mounted at {@code path} (absolute and normalized), if it may not. */
    public static Optional<String> cacheMountProblem(String path) {
        if (HIDING.contains(path)) {
            return Optional.of("'" + path + "' would hide what the runner image needs there");
        }
        return REFUSED.stream().filter(refused -> path.equals(refused.root()) || path.startsWith(refused.root() + "/"))
                .findFirst().map(refused -> "'" + path + "' is " + (path.equals(refused.root()) ? "" : "under ")
                        + refused.root() + ", " + refused.why() + "; a cache there would break every runner of the repository");
    }
}
