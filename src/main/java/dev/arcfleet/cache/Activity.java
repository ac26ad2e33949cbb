package dev.arcfleet.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What one cache thread is doing, and when it last made progress: a walk's tool that used CPU or reported an
 * entry, or a step of a sync. An operation that made none for the stall bound shows in readiness and a metric.
 * Written by its thread, read by anyone.
 */
final class Activity {

    private record Operation(String what, Instant since) {
    }

    private volatile Operation running;
    private volatile long progressedNanos;

    void start(String what, Instant now) {
        progressedNanos = System.nanoTime();
        running = new Operation(what, now);
    }

    void progressed() {
        progressedNanos = System.nanoTime();
    }

    void finish() {
        running = null;
    }

    /** The running operation, if it has made no progress for {@code after}. */
    Optional<String> stalled(Duration after) {
        Operation operation = running;
        if (operation == null) {
            return Optional.empty();
        }
        Duration quiet = Duration.ofNanos(System.nanoTime() - progressedNanos);
        if (quiet.compareTo(after) < 0) {
            return Optional.empty();
        }
        return Optional.of(operation.what() + ", running since " + operation.since() + ", no progress for "
                + quiet.toSeconds() + " s");
    }
}
