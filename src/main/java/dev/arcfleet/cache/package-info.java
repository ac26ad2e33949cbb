/**
 * The filesystem edge: each set's cache directories on this node, created, measured, limited and collected
 * without following a job's symbolic links.
 *
 * <p>May import: {@code dev.arcfleet.fleet}, {@code dev.arcfleet.settings}, {@code dev.arcfleet.walk}.
 */
package dev.arcfleet.cache;
