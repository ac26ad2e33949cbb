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
 * @param setNamePrefix {@code installationName}, or {@code arc-runner-<owner>-<repo>}, before shortening
 * @param maxCacheSizeBytes above this a set's cache is cleared once no runner of it runs
 * @param chart the chart's values beyond these
 */
public record RepositoryConfig(
        String owner,
        String repo,
        int instances,
        int minRunners,
        int maxRunners,
        ContainerMode containerMode,
        String runnerImage,
        WorkVolumeClaim workVolumeClaimTemplate,
        String setNamePrefix,
        Optional<String> runnerGroup,
        Optional<String> githubConfigSecret,
        List<CachePath> cachePaths,
        Optional<Long> maxCacheSizeBytes,
        ChartValues chart) {

    public RepositoryConfig {
        cachePaths = List.copyOf(cachePaths);
    }

    public String fullName() {
        return owner + "/" + repo;
    }

    public List<RunnerSet> runnerSets() {
        return IntStream.rangeClosed(1, instances)
                .mapToObj(instance -> new RunnerSet(this, instance, SetNames.setName(setNamePrefix, instance)))
                .toList();
    }
}
