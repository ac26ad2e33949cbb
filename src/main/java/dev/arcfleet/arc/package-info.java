/**
 * ARC's API facts: the label, annotation and finalizer keys its controller and charts define, its custom
 * resources' group, version and kinds, and the controller arcfleet renders for. Like ARC's own {@code constants.go}:
 * each key is spelled here once, and nowhere else.
 *
 * <p>May import: nothing of arcfleet.
 */
package dev.arcfleet.arc;
