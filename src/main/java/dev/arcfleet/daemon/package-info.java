/**
 * The running daemon: the scheduler of cycles and leadership terms, each term with its own client, caches and
 * reconciler, and the immutable snapshot it publishes for health, API and command line to read.
 *
 * <p>May import: {@code dev.arcfleet.cache}, {@code dev.arcfleet.cluster}, {@code dev.arcfleet.fleet},
 * {@code dev.arcfleet.leader}, {@code dev.arcfleet.reconcile}, {@code dev.arcfleet.settings},
 * {@code dev.arcfleet.status}.
 */
package dev.arcfleet.daemon;
