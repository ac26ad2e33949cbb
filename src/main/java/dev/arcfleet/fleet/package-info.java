/**
 * The repositories file: its typed records, and the parser and validator that read it from YAML, reporting each
 * problem with its path. The schema lives here once.
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.chart}, {@code dev.arcfleet.settings}.
 */
package dev.arcfleet.fleet;
