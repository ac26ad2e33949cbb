package dev.arcfleet.fleet;

/** Instance {@code instance} (1-based) of a repository: one AutoscalingRunnerSet and its companions. */
public record RunnerSet(RepositoryConfig repository, int instance, String name) {
}
