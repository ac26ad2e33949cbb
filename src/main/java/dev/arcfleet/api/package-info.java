/**
 * The HTTP API: the fleet's status and the routing of work to sets.
 *
 * <p>May import: {@code dev.arcfleet.daemon}, {@code dev.arcfleet.fleet}, {@code dev.arcfleet.route},
 * {@code dev.arcfleet.status}.
 */
package dev.arcfleet.api;
