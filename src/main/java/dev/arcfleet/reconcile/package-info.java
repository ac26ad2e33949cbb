/**
 * One reconcile cycle: read the configuration, render each set, diff against the informer cache, apply and
 * prune through the writer, and report a typed outcome per set and per cycle.
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.cache}, {@code dev.arcfleet.chart},
 * {@code dev.arcfleet.claims}, {@code dev.arcfleet.cluster}, {@code dev.arcfleet.fleet}, {@code dev.arcfleet.guard},
 * {@code dev.arcfleet.render}, {@code dev.arcfleet.settings}, {@code dev.arcfleet.status}.
 */
package dev.arcfleet.reconcile;
