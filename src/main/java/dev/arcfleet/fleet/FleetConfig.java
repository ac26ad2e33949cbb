package dev.arcfleet.fleet;

import java.util.List;

/** A valid {@code repositories.yaml}: every repository arcfleet keeps runner sets for. */
public record FleetConfig(List<RepositoryConfig> repositories) {

    public FleetConfig {
        repositories = List.copyOf(repositories);
    }

    public List<RunnerSet> runnerSets() {
        return repositories.stream().flatMap(repository -> repository.runnerSets().stream()).toList();
    }
}
