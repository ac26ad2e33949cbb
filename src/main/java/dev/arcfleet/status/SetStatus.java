package dev.arcfleet.status;

/** Where one desired runner set stands after a cycle: a typed reason, and prose for people. */
public record SetStatus(String name, String repository, Reason reason, String detail) {

    public State state() {
        return reason.state;
    }

    public enum State {
        /** Every object matches what arcfleet renders. */
        READY,
        /** A same-named object that is not this configuration's is in the way; nothing of the set is touched. */
        CONFLICT,
        /** Something the set needs is still under way; it continues on its own. */
        WAITING,
        /** Credentials missing or an API write failed; retried next cycle. */
        FAILED,
        /** arcfleet stopped recreating the set; it resumes on a configuration or controller change, or a restart. */
        HALTED
    }

    public enum Reason {
        IN_SYNC(State.READY),
        UNMANAGED_OBJECT_IN_THE_WAY(State.CONFLICT),
        /** A same-named object of another arcfleet configuration ({@code arcfleet.dev/owner}) is in the way. */
        OTHER_OWNERS_OBJECT_IN_THE_WAY(State.CONFLICT),
        /**
         * An object carries a Helm release's annotations while that release's record exists: {@code helm uninstall}
         * or a rollback would delete or rewrite whatever arcfleet wrote.
         */
        HELM_RELEASE_STILL_OWNS(State.CONFLICT),
        /** An object carries a Flux HelmRelease's labels: Flux would upgrade it back, or reinstall its release. */
        FLUX_STILL_OWNS(State.CONFLICT),
        /** An object carries an Argo CD application's tracking key: Argo CD would sync it back, or prune it. */
        ARGO_CD_STILL_OWNS(State.CONFLICT),
        CACHE_DIRECTORY_PENDING(State.WAITING),
        CACHE_DIRECTORY_UNUSABLE(State.WAITING),
        /** The AutoscalingRunnerSet, or an object ARC no longer holds, is being deleted; recreated once gone. */
        BEING_DELETED(State.WAITING),
        /**
         * A companion was deleted while its AutoscalingRunnerSet exists. ARC's cleanup finalizer holds it
         * (it keeps working) until the set is deleted, because ARC needs it to deregister the set.
         */
        COMPANION_HELD_BY_ARC(State.WAITING),
        CREDENTIALS_UNUSABLE(State.FAILED),
        /** The repository sets a value the running ARC controller's CRD does not have; nothing of it is changed. */
        NEEDS_NEWER_ARC_CONTROLLER(State.FAILED),
        /** The repository names a namespace outside {@code arcfleet.runner-namespaces}; nothing of the set is written. */
        NAMESPACE_NOT_WATCHED(State.FAILED),
        WRITE_FAILED(State.FAILED),
        /** Someone else deleted the AutoscalingRunnerSet arcfleet applied too often in a short time. */
        DELETE_LOOP(State.HALTED);

        private final State state;

        Reason(State state) {
            this.state = state;
        }

        public State state() {
            return state;
        }
    }
}
