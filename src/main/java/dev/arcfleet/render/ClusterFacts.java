package dev.arcfleet.render;

/**
 * Everything outside repositories.yaml that rendering depends on.
 *
 * @param kubernetesMinorVersion decides, as in the chart, whether dind runs as a native sidecar (1.29+)
 */
public record ClusterFacts(String namespace, String githubUrl, ArcController arcController, int kubernetesMinorVersion) {

    public ClusterFacts {
        githubUrl = githubUrl.replaceAll("/+$", "");
    }
}
