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
 * @param usage the latest measurement per set
 * @param orphans removed sets' directories and when each will be deleted (empty: kept forever)
 * @param unknown directories under host-root that arcfleet did not create and leaves alone
 */
public record CacheReport(Optional<String> problem, Map<String, String> setProblems, Map<String, CacheUsage> usage,
        Map<String, Optional<Instant>> orphans, List<String> unknown) {
}
