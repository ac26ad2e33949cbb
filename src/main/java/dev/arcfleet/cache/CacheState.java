package dev.arcfleet.cache;

/**
 * Where a set's cache directory stands against its {@code maxCacheSize}, as the periodic measurements found it.
 * The cache manager alone decides it; the reconciler renders a {@link #DRAINED} set without runners.
 */
public enum CacheState {
    /** Within its limit, without one, or not measured yet. */
    WITHIN_LIMIT("within maxCacheSize"),
    /** Over its limit at the last measurement: cleared once no pod mounts it; its runners are left alone. */
    OVER_LIMIT("over maxCacheSize at the last measurement; cleared once no pod mounts it"),
    /**
     * Over its limit at two measurements in a row, so jobs keep it mounted: its AutoscalingRunnerSet has minRunners and
     * maxRunners 0, ARC removes idle runners and lets busy ones finish, and once no pod mounts the cache it is cleared.
     * A measurement within the limit does not end it: only the clearing does, or the limit's removal.
     */
    DRAINED("over maxCacheSize at two measurements in a row: drained (minRunners and maxRunners 0) until cleared, "
            + "which waits until no pod mounts it"),
    /** Cleared while drained: its runners are restored at the next cycle; the next measurement starts counting anew. */
    CLEARED("cleared after a drain; runners as configured again");

    private final String meaning;

    CacheState(String meaning) {
        this.meaning = meaning;
    }

    /** What the state means, for people. */
    public String meaning() {
        return meaning;
    }

    /** Whether the cache is to be cleared once no pod mounts it. */
    boolean clearing() {
        return this == OVER_LIMIT || this == DRAINED;
    }

    /** The state after a measurement that counts (a periodic one, or a set's first) found the cache over its limit, or not. */
    CacheState measured(boolean over) {
        if (over) {
            return clearing() ? DRAINED : OVER_LIMIT;
        }
        return this == DRAINED ? DRAINED : WITHIN_LIMIT;
    }
}
