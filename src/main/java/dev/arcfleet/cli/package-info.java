/**
 * The command line: the daemon's entry point, and the one-shot commands ({@code validate}, {@code render},
 * {@code import}, {@code status}, {@code route}, {@code workflow}).
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.chart}, {@code dev.arcfleet.cluster},
 * {@code dev.arcfleet.fleet}, {@code dev.arcfleet.migrate},
 * {@code dev.arcfleet.render}, {@code dev.arcfleet.route}, {@code dev.arcfleet.settings},
 * {@code dev.arcfleet.status}.
 */
package dev.arcfleet.cli;
