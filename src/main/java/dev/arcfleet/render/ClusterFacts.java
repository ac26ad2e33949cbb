package dev.arcfleet.render;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.fleet.RepositoryConfig;

/**
 * Everything outside repositories.yaml that rendering depends on.
 *
 * @param namespace the daemon's runner namespace, where a set goes whose repository names none
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

    /** The facts a set of {@code repository} is rendered with: its own namespace, if it names one. */
    public ClusterFacts in(RepositoryConfig repository) {
        return repository.namespace().filter(own -> !own.equals(namespace))
                .map(own -> new ClusterFacts(own, githubUrl, arcController, kubernetesMinorVersion, cacheNodeRoot, owner)).orElse(this);
    }
}
