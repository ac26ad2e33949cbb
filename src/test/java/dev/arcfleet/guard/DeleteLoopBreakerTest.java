package dev.arcfleet.guard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.MutableClock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;

class DeleteLoopBreakerTest {

    private static final String SET = "arc-runner-acme-tools-1";

    private final MutableClock clock = new MutableClock();
    private final DeleteLoopBreaker breaker = new DeleteLoopBreaker(clock);

    @Test
    void threeDeletionsByOthersWithinTheWindowTripIt() {
        deleteAfterApply("uid-1");
        deleteAfterApply("uid-2");
        assertFalse(breaker.tripped(SET));
        deleteAfterApply("uid-3");
        assertTrue(breaker.tripped(SET));
    }

    /**
     * Someone deletes the set between two informer updates: the cycle still sees it alive, and its write creates it
     * anew under another uid. Seen under load in ArcLifecycleTest, as a fourth creation where three trip the breaker.
     */
    @Test
    void aDeletionTheInformerNeverShowedCountsWhenTheWriteRecreatesTheSet() {
        breaker.applied(SET, "uid-1");
        breaker.observe(SET, Optional.of(object("uid-1", false)));
        breaker.applied(SET, "uid-2");
        breaker.observe(SET, Optional.of(object("uid-2", false)));
        breaker.applied(SET, "uid-3");
        breaker.observe(SET, Optional.of(object("uid-3", false)));
        assertFalse(breaker.tripped(SET));
        breaker.applied(SET, "uid-4");
        assertTrue(breaker.tripped(SET));
    }

    @Test
    void anUpdateOfTheLiveSetCountsNothing() {
        breaker.applied(SET, "uid-1");
        for (int cycle = 0; cycle < 5; cycle++) {
            breaker.observe(SET, Optional.of(object("uid-1", false)));
            breaker.applied(SET, "uid-1");
        }
        assertFalse(breaker.tripped(SET));
    }

    @Test
    void aDeletionSeenTerminatingThenGoneCountsOnce() {
        breaker.applied(SET, "uid-1");
        breaker.observe(SET, Optional.of(object("uid-1", true)));
        breaker.observe(SET, Optional.of(object("uid-1", true)));
        breaker.observe(SET, Optional.empty());
        deleteAfterApply("uid-2");
        assertFalse(breaker.tripped(SET));
    }

    @Test
    void deletionsOlderThanTheWindowDoNotCount() {
        deleteAfterApply("uid-1");
        deleteAfterApply("uid-2");
        clock.advance(DeleteLoopBreaker.WINDOW.plus(Duration.ofSeconds(1)));
        deleteAfterApply("uid-3");
        assertFalse(breaker.tripped(SET));
    }

    @Test
    void arcfleetsOwnPruneAndAResetDoNotCount() {
        deleteAfterApply("uid-1");
        deleteAfterApply("uid-2");
        breaker.applied(SET, "uid-3");
        breaker.forget(SET);
        breaker.observe(SET, Optional.empty());
        assertFalse(breaker.tripped(SET));

        deleteAfterApply("uid-4");
        deleteAfterApply("uid-5");
        deleteAfterApply("uid-6");
        breaker.reset();
        assertFalse(breaker.tripped(SET));
    }

    private void deleteAfterApply(String uid) {
        breaker.applied(SET, uid);
        breaker.observe(SET, Optional.of(object(uid, false)));
        breaker.observe(SET, Optional.empty());
    }

    private static HasMetadata object(String uid, boolean terminating) {
        return new SecretBuilder().withNewMetadata().withName(SET).withUid(uid)
                .withDeletionTimestamp(terminating ? "2026-11-28T00:00:00Z" : null).endMetadata().build();
    }
}
