package dev.arcfleet.walk;

import java.util.function.BooleanSupplier;

/**
 * What a walk's caller learns while the tool runs, and how it stops it.
 *
 * @param keepGoing asked a few times a second; once false, the tool is stopped and the walk reports so
 * @param progressed called whenever the tool used CPU time or reported something since the last look, so a
 *        caller can tell a long walk from a stuck one
 */
public record Watch(BooleanSupplier keepGoing, Runnable progressed) {

    /** A walk nobody stops and whose progress nobody follows. */
    public static Watch unwatched() {
        return new Watch(() -> true, () -> { });
    }
}
