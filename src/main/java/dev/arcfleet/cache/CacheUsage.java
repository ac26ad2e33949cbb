package dev.arcfleet.cache;

import java.time.Duration;

/**
 * One measurement of a set's cache.
 *
 * @param complete false when the walk stopped at its entry limit, so the figures are lower bounds
 */
public record CacheUsage(long bytes, long files, boolean complete, Duration took) {

    @Override
    public String toString() {
        return (complete ? "" : "at least ") + bytes + " bytes in " + files + " files";
    }
}
