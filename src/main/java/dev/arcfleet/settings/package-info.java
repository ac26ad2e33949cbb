/**
 * The daemon's own settings ({@code arcfleet.*} properties), where it runs, and which configuration it is
 * (its owner label).
 *
 * <p>May import: {@code dev.arcfleet.chart}.
 */
package dev.arcfleet.settings;
