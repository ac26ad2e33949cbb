/**
 * The hand-over from Helm: reading releases and the objects the chart made, and the repositories file that
 * renders the same objects.
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.chart}, {@code dev.arcfleet.fleet},
 * {@code dev.arcfleet.render}, {@code dev.arcfleet.settings}.
 */
package dev.arcfleet.migrate;
