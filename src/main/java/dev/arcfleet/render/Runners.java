package dev.arcfleet.render;

/**
 * How many runners a set's AutoscalingRunnerSet allows: as its repository configures, or none while its cache is
 * drained for being over {@code maxCacheSize}. An input to rendering, so a drained set is one more pure rendering.
 */
public enum Runners {
    AS_CONFIGURED,
    /**
     * minRunners and maxRunners 0, and {@link Labels#DRAINED_ANNOTATION}: ARC removes the idle runners and lets busy
     * ones finish their jobs, so that nothing mounts the cache and it can be cleared.
     */
    DRAINED
}
