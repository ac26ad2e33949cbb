package dev.arcfleet.reconcile;

/** Where one desired runner set stands after a cycle. */
public record SetStatus(String name, String repository, State state, String detail) {

    public enum State {
        /** Every object matches what arcfleet renders. */
        READY,
        /** A same-named object that arcfleet does not manage is in the way; nothing of the set is touched. */
        CONFLICT,
        /** An object of the set is still being deleted; it is recreated once gone. */
        WAITING,
        /** Credentials missing or an API write failed; retried next cycle. */
        FAILED
    }
}
