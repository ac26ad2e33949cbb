package dev.arcfleet.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.arcfleet.render.ArcController;

/**
 * What one reconcile cycle saw and did; health and logs are made from it.
 *
 * @param configProblem why the ConfigMap is not used, or null when it is valid
 * @param arcControllerProblem why no ARC controller is known, or null when one is
 * @param blocker why no set was reconciled at all this cycle, or null
 * @param writes write requests sent this cycle
 */
public record CycleReport(
        Instant startedAt,
        Duration duration,
        String configProblem,
        Optional<ArcController> arcController,
        String arcControllerProblem,
        String blocker,
        List<SetStatus> sets,
        int pruned,
        long writes) {

    public CycleReport {
        sets = List.copyOf(sets);
    }

    /** A cycle that ended in an unexpected error: nothing is known about the sets, readiness shows why. */
    static CycleReport crashed(Instant startedAt, Throwable error) {
        return new CycleReport(startedAt, Duration.between(startedAt, Instant.now()), null, Optional.empty(), null,
                "reconcile cycle failed unexpectedly, retried next interval: " + error, List.of(), 0, 0);
    }

    public boolean succeeded() {
        return configProblem == null && blocker == null
                && sets.stream().allMatch(set -> set.state() == SetStatus.State.READY);
    }

    public long count(SetStatus.State state) {
        return sets.stream().filter(set -> set.state() == state).count();
    }

    /** The first thing a person should fix, or null when the cycle succeeded. */
    public String firstError() {
        if (blocker != null) {
            return blocker;
        }
        if (configProblem != null) {
            return configProblem;
        }
        return sets.stream().filter(set -> set.state() != SetStatus.State.READY)
                .map(set -> set.name() + ": " + set.detail()).findFirst().orElse(null);
    }
}
