package dev.arcfleet.reconcile;

import java.util.Optional;

/** A value read from the cluster, or why it could not be: the reason ends up in readiness. */
public record Outcome<T>(Optional<T> value, String problem) {

    static <T> Outcome<T> of(T value) {
        return new Outcome<>(Optional.of(value), null);
    }

    static <T> Outcome<T> failed(String problem) {
        return new Outcome<>(Optional.empty(), problem);
    }
}
