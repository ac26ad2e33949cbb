package dev.arcfleet.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * How far the running cycle has got through its sets, so that a first sync of hundreds of sets shows
 * progress in the log, in status and in readiness instead of only one log line per object. Cycles
 * that finish within {@link #LOG_EVERY} log nothing.
 */
public final class CycleProgress {

    private static final Logger LOG = Logger.getLogger(CycleProgress.class);
    static final Duration LOG_EVERY = Duration.ofSeconds(2);

    private final Clock clock;
    private volatile Progress current;
    private Instant lastLogged;

    public CycleProgress(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param startedAt when the cycle began applying sets
     * @param total sets this cycle applies
     * @param applied sets finished so far, in sync or not; the counts below split them by outcome
     */
    @RegisterForReflection
    public record Progress(Instant startedAt, int total, int applied, int ready, int conflict, int waiting, int failed,
            int halted) {

        Progress finished(SetStatus.State state) {
            return new Progress(startedAt, total, applied + 1, ready + (state == SetStatus.State.READY ? 1 : 0),
                    conflict + (state == SetStatus.State.CONFLICT ? 1 : 0), waiting + (state == SetStatus.State.WAITING ? 1 : 0),
                    failed + (state == SetStatus.State.FAILED ? 1 : 0), halted + (state == SetStatus.State.HALTED ? 1 : 0));
        }

        /** "applied 120/300 sets, 2 waiting": the outcomes other than ready only when there are any. */
        public String summary() {
            StringBuilder text = new StringBuilder("applied " + applied + "/" + total + " sets");
            appendIfAny(text, waiting, "waiting");
            appendIfAny(text, conflict, "in conflict");
            appendIfAny(text, failed, "failed");
            appendIfAny(text, halted, "halted");
            return text.toString();
        }

        private static void appendIfAny(StringBuilder text, int count, String outcome) {
            if (count > 0) {
                text.append(", ").append(count).append(' ').append(outcome);
            }
        }
    }

    /** A cycle begins applying {@code total} sets. */
    public synchronized void start(int total) {
        Instant now = clock.instant();
        current = new Progress(now, total, 0, 0, 0, 0, 0, 0);
        lastLogged = now;
    }

    /** One set of the cycle is done; logs the progress when the last line is {@link #LOG_EVERY} old. */
    public synchronized void finished(SetStatus.State state) {
        Progress progress = current.finished(state);
        current = progress;
        Instant now = clock.instant();
        boolean loggedThisCycle = !lastLogged.equals(progress.startedAt());
        boolean due = !now.isBefore(lastLogged.plus(LOG_EVERY));
        // The last set closes a cycle that logged progress, so a long sync's log ends at n/n.
        if (due || (progress.applied() == progress.total() && loggedThisCycle)) {
            LOG.infof("Reconcile cycle %s", progress.summary());
            lastLogged = now;
        }
    }

    /** The latest cycle's progress, if any cycle has begun applying sets. */
    public Optional<Progress> latest() {
        return Optional.ofNullable(current);
    }
}
