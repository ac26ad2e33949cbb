package dev.arcfleet.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.cluster.Outcome;

/**
 * What one reconcile cycle saw and did; health and logs are made from it. Each part the cycle could not do
 * carries why, and a part that was done carries nothing, so no reader has to tell a problem from its absence.
 *
 * @param configProblem why the ConfigMap is not used; empty when it is valid
 * @param arcController the ARC controller the sets are made for, or why none is known
 * @param blocker why no set was reconciled at all this cycle; empty when the sets were reconciled
 * @param writes write requests sent this cycle
 */
public record CycleReport(
        Instant startedAt,
        Duration duration,
        Optional<String> configProblem,
        Outcome<ArcController> arcController,
        Optional<String> blocker,
        List<SetStatus> sets,
        int pruned,
        long writes) {

    public CycleReport {
        sets = List.copyOf(sets);
    }

    /** A cycle that ended in an unexpected error: nothing is known about the sets, readiness shows why. */
    public static CycleReport crashed(Instant startedAt, Throwable error) {
        String blocker = "reconcile cycle failed unexpectedly, retried next interval: " + error;
        return new CycleReport(startedAt, Duration.between(startedAt, Instant.now()), Optional.empty(),
                Outcome.failed("ARC controller not looked up: " + blocker), Optional.of(blocker), List.of(), 0, 0);
    }

    public boolean succeeded() {
        return configProblem.isEmpty() && blocker.isEmpty()
                && sets.stream().allMatch(set -> set.state() == SetStatus.State.READY);
    }

    public long count(SetStatus.State state) {
        return sets.stream().filter(set -> set.state() == state).count();
    }

    /** The first thing a person should fix; empty when the cycle succeeded. */
    public Optional<String> firstError() {
        return blocker.or(() -> configProblem).or(() -> sets.stream().filter(set -> set.state() != SetStatus.State.READY)
                .map(set -> set.name() + ": " + set.detail()).findFirst());
    }
}
