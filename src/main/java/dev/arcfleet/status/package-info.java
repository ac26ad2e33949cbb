/**
 * Typed outcomes, per set and per cycle, and what is made of them: the fleet status read model, the
 * Prometheus metrics and the log of what changed from cycle to cycle.
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.cache}, {@code dev.arcfleet.cluster},
 * {@code dev.arcfleet.fleet}, {@code dev.arcfleet.leader}, {@code dev.arcfleet.render},
 * {@code dev.arcfleet.settings}.
 */
package dev.arcfleet.status;
