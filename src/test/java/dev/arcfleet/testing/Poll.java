package dev.arcfleet.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; the tests' only way to wait. */
public final class Poll {

    private static final long INTERVAL_MILLIS = 50;

    private Poll() {
    }

    public static <T> T until(Duration timeout, String what, Supplier<T> attempt, java.util.function.Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = attempt.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what + "; last seen: " + last);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            last = attempt.get();
        }
        return last;
    }

    public static void until(Duration timeout, String what, Supplier<Boolean> condition) {
        until(timeout, what, condition, Boolean::booleanValue);
    }
}
