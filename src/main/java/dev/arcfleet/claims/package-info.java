/**
 * Cache claims beyond their sets: a claim whose set is gone is marked with the time it was removed, given back
 * when the set returns within the retention, and deleted after it (only on the version it was decided on).
 *
 * <p>May import: {@code dev.arcfleet.cluster}, {@code dev.arcfleet.render}, {@code dev.arcfleet.settings}.
 */
package dev.arcfleet.claims;
