package dev.arcfleet.migrate;

/**
 * One entry of the import report.
 *
 * @param set the runner set (or release) it concerns
 * @param kind what it means for the hand-over
 * @param subject the chart value, or the path in the set's objects, it is about
 * @param text why, for a person
 */
public record Finding(String set, Kind kind, String subject, String text) {

    public enum Kind {
        /** Where a set's values were read: its Helm release record, or its live objects. */
        VALUES_FROM,
        /** A value arcfleet cannot express; the set loses what it did. */
        NOT_IMPORTED,
        /** A value the chart itself ignores or drops; nothing changes. */
        IGNORED_BY_THE_CHART,
        /** Something to do by hand before or during the hand-over. */
        TO_DO,
        /** A field of a set's object that arcfleet's first apply adds or changes. */
        CHANGES_ON_HAND_OVER,
        /**
         * A field the Helm-made object has and arcfleet does not render. Server-side apply leaves it to Helm's field
         * manager, except inside a list arcfleet's apply replaces whole.
         */
        NOT_RENDERED_BY_ARCFLEET
    }

    @Override
    public String toString() {
        return set + ": " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + subject
                + (text.isEmpty() ? "" : " (" + text + ")");
    }
}
