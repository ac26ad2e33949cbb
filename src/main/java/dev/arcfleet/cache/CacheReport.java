package dev.arcfleet.cache;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of the node's cache directories, for readiness.
 *
 * @param problem why cache management is not running, if it is not
 * @param setProblems per desired set, why its directory is not ready
 * @param usage the latest measurement of every arcfleet directory, removed sets' included
 * @param orphans removed sets' directories and when each will be deleted (empty: kept forever)
 * @param unknown directories under host-root that arcfleet did not create and leaves alone
 * @param cleanup per directory, why a deletion or clearing it needs has not happened yet: a pod mounts
 *        it, or it failed and when it is tried again
 * @param measureProblems per directory, why it could not be measured
 * @param stalled per cache thread (directories, cleanup, measure), the operation that has made no progress for
 *        {@code arcfleet.cache.stall-after}
 * @param stuck the same for {@code arcfleet.cache.stuck-after}, which fails liveness
 * @param limits per desired set whose cache is not {@link CacheState#WITHIN_LIMIT}, where it stands
 */
public record CacheReport(Optional<String> problem, Map<String, String> setProblems, Map<String, CacheUsage> usage,
        Map<String, Optional<Instant>> orphans, List<String> unknown, Map<String, String> cleanup,
        Map<String, String> measureProblems, Map<String, String> stalled, Map<String, String> stuck,
        Map<String, CacheState> limits) {

    /** Before any directory work, or when none can run. */
    public static CacheReport stopped(String why) {
        return new CacheReport(Optional.of(why), Map.of(), Map.of(), Map.of(), List.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }
}
