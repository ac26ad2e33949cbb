package dev.arcfleet.fleet;

import java.util.List;

/**
 * Every problem found in a {@code repositories.yaml}, each naming the repository and field. Quoted
 * values that look like credentials are redacted here, the one place every validation message passes.
 */
public class InvalidFleetConfigException extends Exception {

    private final List<String> problems;

    public InvalidFleetConfigException(List<String> problems) {
        this(problems.stream().map(CredentialRedaction::redact).toList(), true);
    }

    private InvalidFleetConfigException(List<String> redacted, boolean unused) {
        super(String.join("; ", redacted));
        this.problems = List.copyOf(redacted);
    }

    public List<String> problems() {
        return problems;
    }
}
