package dev.arcfleet.cache;

import java.time.Duration;

/**
 * One measurement of a set's directory: its caches, anything else in it, and the trash.
 *
 * @param bytes the size of every regular file in the set's directory but the marker, trash included
 * @param trashBytes the part of {@code bytes} that was cleared or removed and awaits deletion
 * @param complete false when the walk stopped at its entry limit, at its depth limit or at an entry it
 *        could not read, so the figures are lower bounds
 */
public record CacheUsage(long bytes, long files, long trashBytes, boolean complete, Duration took) {

    /** What counts against {@code maxCacheSize}: the trash is already on its way out. */
    public long cacheBytes() {
        return bytes - trashBytes;
    }

    @Override
    public String toString() {
        return (complete ? "" : "at least ") + bytes + " bytes in " + files + " files"
                + (trashBytes > 0 ? ", " + trashBytes + " bytes of them awaiting deletion" : "");
    }
}
