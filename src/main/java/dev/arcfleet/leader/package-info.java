/**
 * Leadership: one Lease, held by one replica, and the fencing that ends a term's work when it is lost.
 *
 * <p>May import: {@code dev.arcfleet.settings}.
 */
package dev.arcfleet.leader;
