/**
 * Routing work to a set: which set an issue or pull request lands on, and the workflow snippets that say so.
 *
 * <p>May import: {@code dev.arcfleet.fleet}.
 */
package dev.arcfleet.route;
