package dev.arcfleet.cluster;

import java.util.Optional;

/** A value read from the cluster, or why it could not be: the reason ends up in readiness. */
public record Outcome<T>(Optional<T> value, String problem) {

    /** Exactly one of the two: a value, or the problem that kept it from being read. */
    public Outcome {
        if (value.isPresent() == (problem != null)) {
            throw new IllegalArgumentException("an outcome is a value or a problem, not both or neither");
        }
    }

    public static <T> Outcome<T> of(T value) {
        return new Outcome<>(Optional.of(value), null);
    }

    public static <T> Outcome<T> failed(String problem) {
        return new Outcome<>(Optional.empty(), problem);
    }
}
