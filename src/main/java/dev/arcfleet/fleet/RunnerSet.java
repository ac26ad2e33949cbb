package dev.arcfleet.fleet;

/**
 * Instance {@code instance} of a repository, its position among the repository's sets counted from 1 (so routing does
 * not depend on how sets are named): one AutoscalingRunnerSet and its companions.
 */
public record RunnerSet(RepositoryConfig repository, int instance, String name) {
}
