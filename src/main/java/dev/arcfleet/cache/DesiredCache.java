package dev.arcfleet.cache;

import java.util.List;
import java.util.Optional;

import dev.arcfleet.fleet.CachePath;
import dev.arcfleet.fleet.RunnerSet;

/** What one desired set needs on the node. */
public record DesiredCache(String setName, String repository, List<CachePath> caches, Optional<Long> maxBytes) {

    public DesiredCache {
        caches = List.copyOf(caches);
    }

    public static DesiredCache of(RunnerSet set) {
        return new DesiredCache(set.name(), set.repository().fullName(), set.repository().cachePaths(),
                set.repository().maxCacheSizeBytes());
    }
}
