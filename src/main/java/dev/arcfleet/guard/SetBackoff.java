package dev.arcfleet.guard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spaces out the writes of a set whose writes keep failing (a quota, a terminating namespace): 1 s,
 * 2 s, 4 s … up to the reconcile interval, however many watch events arrive meanwhile. A change to
 * what the set should look like is tried at once.
 */
public final class SetBackoff {

    private static final Duration FIRST_DELAY = Duration.ofSeconds(1);

    private final Clock clock;
    private final Duration cap;
    private final Map<String, Failing> failing = new ConcurrentHashMap<>();

    private record Failing(String desired, int failures, Instant retryAt, String problem) {
    }

    public SetBackoff(Clock clock, Duration cap) {
        this.clock = clock;
        this.cap = cap;
    }

    /** Why and until when the set's writes wait, if they do; {@code desired} fingerprints what it should look like. */
    public Optional<String> holding(String setName, String desired) {
        Failing entry = failing.get(setName);
        if (entry == null || !entry.desired().equals(desired) || !clock.instant().isBefore(entry.retryAt())) {
            return Optional.empty();
        }
        return Optional.of(entry.problem() + " (failed " + entry.failures() + " times; retried at " + entry.retryAt() + ")");
    }

    public void failed(String setName, String desired, String problem) {
        failing.compute(setName, (name, previous) -> {
            int failures = previous != null && previous.desired().equals(desired) ? previous.failures() + 1 : 1;
            Duration delay = FIRST_DELAY.multipliedBy(1L << Math.min(failures - 1, 20));
            return new Failing(desired, failures, clock.instant().plus(delay.compareTo(cap) < 0 ? delay : cap), problem);
        });
    }

    public void succeeded(String setName) {
        failing.remove(setName);
    }

    public void retain(Set<String> setNames) {
        failing.keySet().retainAll(setNames);
    }
}
