/**
 * When a set is left alone for a while: {@link dev.arcfleet.guard.SetBackoff}, which retries a failing set with
 * growing pauses instead of every cycle, and {@link dev.arcfleet.guard.DeleteLoopBreaker}, which stops recreating
 * a set that something else keeps deleting. Both are state over time, kept apart from the cycle that consults them.
 *
 * <p>May import: nothing of arcfleet.
 */
package dev.arcfleet.guard;
