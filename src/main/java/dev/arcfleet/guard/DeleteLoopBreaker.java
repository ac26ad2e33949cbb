package dev.arcfleet.guard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Stops recreating a set whose AutoscalingRunnerSet someone else keeps deleting, such as an ARC
 * controller of another version, since every recreation registers and deregisters a scale set on
 * GitHub. A deletion counts once per object (by uid); arcfleet's own prunes are never counted.
 */
public final class DeleteLoopBreaker {

    public static final int DELETIONS = 3;
    public static final Duration WINDOW = Duration.ofMinutes(10);

    private final Clock clock;
    /** The uid of each set's AutoscalingRunnerSet as last seen alive. */
    private final Map<String, String> watched = new ConcurrentHashMap<>();
    private final Map<String, Deque<Instant>> deletions = new ConcurrentHashMap<>();

    public DeleteLoopBreaker(Clock clock) {
        this.clock = clock;
    }

    /** Compares the set's live AutoscalingRunnerSet with the one last seen, counting its deletion. */
    public void observe(String setName, Optional<HasMetadata> live) {
        Optional<String> aliveUid = live.filter(object -> object.getMetadata().getDeletionTimestamp() == null)
                .map(object -> object.getMetadata().getUid());
        String previous = watched.get(setName);
        if (previous != null && !aliveUid.equals(Optional.of(previous))) {
            count(setName);
            watched.remove(setName);
        }
        aliveUid.ifPresent(uid -> watched.put(setName, uid));
    }

    /** arcfleet wrote the set, stored with this uid: another uid than the last seen is a deletion observe missed. */
    public void applied(String setName, String uid) {
        String previous = watched.put(setName, uid);
        if (previous != null && !previous.equals(uid)) {
            count(setName);
        }
    }

    private void count(String setName) {
        Deque<Instant> times = deletions.computeIfAbsent(setName, name -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(clock.instant());
        }
    }

    /** arcfleet deletes the set itself: not a deletion by someone else. */
    public void forget(String setName) {
        watched.remove(setName);
        deletions.remove(setName);
    }

    public boolean tripped(String setName) {
        Deque<Instant> times = deletions.get(setName);
        if (times == null) {
            return false;
        }
        Instant since = clock.instant().minus(WINDOW);
        synchronized (times) {
            times.removeIf(time -> time.isBefore(since));
            return times.size() >= DELETIONS;
        }
    }

    /** A new configuration or controller may have ended the loop: try again. */
    public void reset() {
        deletions.clear();
    }

    /** Keeps only the sets of the current fleet, so nothing grows with sets that came and went. */
    public void retain(Set<String> setNames) {
        watched.keySet().retainAll(setNames);
        deletions.keySet().retainAll(setNames);
    }
}
