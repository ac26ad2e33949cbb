package dev.arcfleet.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * One measurement of a set's directory: its caches, anything else in it, and the trash. Sizes are allocated
 * blocks, each hard-linked file counted once, directories included, at any depth.
 *
 * @param bytes what everything in the set's directory but the marker takes on disk, trash included
 * @param files its regular files, each hard-linked one once
 * @param trashBytes the part of {@code bytes} that was cleared or removed and awaits deletion
 * @param skipped entries that could not be counted: unreadable, gone while counted, or swapped for a FIFO,
 *        socket or device, which is never opened; the figures are then lower bounds
 * @param firstSkipped what the walk said about the first of them
 */
public record CacheUsage(long bytes, long files, long trashBytes, long skipped, Optional<String> firstSkipped, Duration took) {

    /** What counts against {@code maxCacheSize}: the trash is already on its way out. */
    public long cacheBytes() {
        return bytes - trashBytes;
    }

    /** Whether every entry was counted. */
    public boolean complete() {
        return skipped == 0;
    }

    @Override
    public String toString() {
        return (complete() ? "" : "at least ") + bytes + " bytes in " + files + " files"
                + (trashBytes > 0 ? ", " + trashBytes + " bytes of them awaiting deletion" : "")
                + (complete() ? "" : " (" + skipped + " skipped, first " + firstSkipped.orElse("unknown") + ")");
    }
}
