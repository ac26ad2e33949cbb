/**
 * The {@code gha-runner-scale-set} chart's facts: its values as typed records, its names for containers, volumes
 * and variables, the runner image's paths, how it names sets, and the keys it keeps users from setting.
 *
 * <p>May import: {@code dev.arcfleet.arc}.
 */
package dev.arcfleet.chart;
