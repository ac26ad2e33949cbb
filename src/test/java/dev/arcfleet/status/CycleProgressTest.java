package dev.arcfleet.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.MutableClock;

class CycleProgressTest {

    private final MutableClock clock = new MutableClock();
    private final CycleProgress progress = new CycleProgress(clock);
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger(CycleProgress.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record instanceof ExtLogRecord extended ? extended.getFormattedMessage() : record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private Level levelBefore;

    /** At INFO whatever an earlier test in this JVM left it at (a command-line test runs Quarkus at WARN). */
    @BeforeEach
    void captureLog() {
        levelBefore = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        logger.removeHandler(capture);
        logger.setLevel(levelBefore);
    }

    @Test
    void longCycleLogsAtMostEveryTwoSecondsAndEndsAtTheTotal() {
        progress.start(290);
        for (int set = 1; set <= 290; set++) {
            clock.advance(Duration.ofMillis(100));
            progress.finished(set % 100 == 0 ? SetStatus.State.WAITING : SetStatus.State.READY);
        }

        // 29 s of work: a line every 2 s (every 20 sets), then the last set's.
        assertEquals(15, logged.size(), () -> "logged: " + logged);
        assertEquals("Reconcile cycle applied 20/290 sets", logged.get(0));
        assertEquals("Reconcile cycle applied 120/290 sets, 1 waiting", logged.get(5));
        assertEquals("Reconcile cycle applied 280/290 sets, 2 waiting", logged.get(13));
        assertEquals("Reconcile cycle applied 290/290 sets, 2 waiting", logged.get(14));
        CycleProgress.Progress last = progress.latest().orElseThrow();
        assertEquals(new CycleProgress.Progress(last.startedAt(), 290, 290, 288, 0, 2, 0, 0), last);
    }

    @Test
    void cycleShorterThanTwoSecondsLogsNothing() {
        progress.start(30);
        for (int set = 1; set <= 30; set++) {
            clock.advance(Duration.ofMillis(50));
            progress.finished(set == 7 ? SetStatus.State.FAILED : set == 9 ? SetStatus.State.CONFLICT : SetStatus.State.READY);
        }

        assertEquals(List.of(), logged);
        assertEquals("applied 30/30 sets, 1 in conflict, 1 failed", progress.latest().orElseThrow().summary());
    }

    @Test
    void nextCycleStartsFromNothing() {
        progress.start(2);
        clock.advance(Duration.ofSeconds(3));
        progress.finished(SetStatus.State.READY);
        progress.finished(SetStatus.State.READY);
        progress.start(5);
        progress.finished(SetStatus.State.READY);

        assertEquals(List.of("Reconcile cycle applied 1/2 sets", "Reconcile cycle applied 2/2 sets"), logged);
        assertEquals("applied 1/5 sets", progress.latest().orElseThrow().summary());
        assertEquals(clock.instant(), progress.latest().orElseThrow().startedAt());
    }

    /** The reconciler reports each set it applies, whatever its outcome, into the progress readiness and status show. */
    @Test
    void reconcilerCountsEverySetItApplies() {
        try (FleetFixture fleet = FleetFixture.create("progress")) {
            fleet.writeRepositories("""
                    repositories:
                      - name: rkoster/rubionic-workspace
                        instances: 3
                      - name: acme/tools
                    """);

            CycleReport first = fleet.reconciler().reconcileOnce();

            CycleProgress.Progress progress = fleet.reconciler().progress().latest().orElseThrow();
            assertEquals(4, progress.total());
            assertEquals(4, progress.applied());
            assertEquals(first.count(SetStatus.State.READY), progress.ready());
            assertEquals(first.count(SetStatus.State.WAITING), progress.waiting());
            assertTrue(!progress.startedAt().isBefore(first.startedAt()), () -> progress + " before " + first);
        }
    }
}
