package dev.arcfleet.render;

import dev.arcfleet.arc.ArcController;

/**
 * Everything outside repositories.yaml that rendering depends on.
 *
 * @param kubernetesMinorVersion decides, as in the chart, whether dind runs as a native sidecar (1.29+)
 * @param cacheNodeRoot where the node holds the per-set cache directories, as hostPath volumes name it
 * @param owner the configuration the sets come from ({@link dev.arcfleet.settings.Owner}), labelled on every object
 */
public record ClusterFacts(String namespace, String githubUrl, ArcController arcController, int kubernetesMinorVersion,
        String cacheNodeRoot, String owner) {

    public ClusterFacts {
        githubUrl = githubUrl.replaceAll("/+$", "");
        cacheNodeRoot = cacheNodeRoot.length() > 1 ? cacheNodeRoot.replaceAll("/+$", "") : cacheNodeRoot;
    }
}
