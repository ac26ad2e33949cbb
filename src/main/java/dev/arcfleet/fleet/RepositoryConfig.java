package dev.arcfleet.fleet;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.SetNames;

/**
 * One validated entry of {@code repositories}, with the defaults already applied.
 *
 * @param instances how many sets: {@code explicitSetNames}' size when there are any
 * @param firstIndex the number of the first set, 0 or 1: sets are {@code <prefix>-<firstIndex>} onwards
 * @param maxRunners empty for {@code maxRunners: null}: no maxRunners rendered, which ARC takes as no limit
 * @param setNamePrefix {@code installationName}, or {@code arc-runner-<owner>-<repo>}, before shortening
 * @param explicitSetNames {@code sets}: the sets' names as given, in order, instead of numbered names; often empty
 * @param maxCacheSizeBytes above this a set's cache is cleared once no runner of it runs
 * @param cacheVolume where the set's caches live: a directory on the node, or a claim of the set's own
 * @param chart the chart's values beyond these
 * @param namespace where the sets' objects and runner pods go; empty: the daemon's {@code arcfleet.namespace}
 */
public record RepositoryConfig(
        String owner,
        String repo,
        int instances,
        int firstIndex,
        int minRunners,
        Optional<Integer> maxRunners,
        ContainerMode containerMode,
        String runnerImage,
        WorkVolumeClaim workVolumeClaimTemplate,
        String setNamePrefix,
        List<String> explicitSetNames,
        Optional<String> runnerGroup,
        Optional<String> githubConfigSecret,
        List<CachePath> cachePaths,
        Optional<Long> maxCacheSizeBytes,
        CacheVolume cacheVolume,
        ChartValues chart,
        Optional<String> namespace) {

    public RepositoryConfig {
        cachePaths = List.copyOf(cachePaths);
        explicitSetNames = List.copyOf(explicitSetNames);
    }

    /**
     * Where each set's caches live. A directory on the node is reachable from one node only; a claim, bound by a
     * node-local provisioner when its first pod is scheduled, takes the set's pods to wherever it was bound.
     */
    public sealed interface CacheVolume {

        /** The YAML names of the types, as {@code cacheVolume.type} takes them. */
        String HOST_PATH = "hostPath";
        String PERSISTENT_VOLUME_CLAIM = "persistentVolumeClaim";

        /** {@code <node-root>/<set>}, made and collected by arcfleet on the node it runs on. */
        record HostPath() implements CacheVolume {
        }

        /** One claim per set; an absent storage class means the cluster's default. */
        record Claim(Optional<String> storageClassName, List<String> accessModes, String storage) implements CacheVolume {

            public Claim {
                accessModes = List.copyOf(accessModes);
            }
        }
    }

    /** The claim the sets' caches live in, if they live in one. */
    public Optional<CacheVolume.Claim> cacheClaim() {
        return cacheVolume instanceof CacheVolume.Claim claim ? Optional.of(claim) : Optional.empty();
    }

    public String fullName() {
        return owner + "/" + repo;
    }

    /** In routing order: the set at position {@code i} (from 1) is instance {@code i}, whatever its name. */
    public List<RunnerSet> runnerSets() {
        return IntStream.rangeClosed(1, instances)
                .mapToObj(instance -> new RunnerSet(this, instance, explicitSetNames.isEmpty()
                        ? SetNames.setName(setNamePrefix, firstIndex + instance - 1)
                        : explicitSetNames.get(instance - 1)))
                .toList();
    }
}
