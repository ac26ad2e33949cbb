package dev.arcfleet.cluster;

/**
 * The leadership token every write asks right before its request is sent, its retries and events included: a
 * deposed leader must send nothing beside the new one. The daemon wires it to the Lease (revoked at the renew
 * deadline counted on the local monotonic clock from the last successful renewal, before the Lease can expire);
 * without leader election it always holds. Asking it sends no request.
 */
@FunctionalInterface
public interface WriteFence {

    /** Whether this daemon may write now. */
    boolean mayWrite();
}
