/**
 * {@code /q/health}: liveness, startup and readiness, made from the daemon's published snapshot.
 *
 * <p>May import: {@code dev.arcfleet.cache}, {@code dev.arcfleet.daemon}, {@code dev.arcfleet.leader},
 * {@code dev.arcfleet.status}.
 */
package dev.arcfleet.health;
