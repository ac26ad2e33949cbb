/**
 * Pure rendering: one runner set's desired objects, exactly as the chart would install them. The same input always
 * gives byte-identical objects; nothing here reads the cluster or the clock.
 *
 * <p>May import: {@code dev.arcfleet.arc}, {@code dev.arcfleet.chart}, {@code dev.arcfleet.fleet}.
 */
package dev.arcfleet.render;
