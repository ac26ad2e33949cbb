package dev.arcfleet.fleet;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Every problem found in a {@code repositories.yaml}, each naming the repository and field. Quoted
 * values that look like credentials are redacted here, the one place every validation message passes.
 */
public class InvalidFleetConfigException extends Exception {

    /** GitHub's token prefixes (personal, OAuth, user-to-server, server-to-server, refresh, fine-grained) and PEM keys. */
    private static final Pattern CREDENTIAL = Pattern.compile(
            "(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]+|-----BEGIN[\\s\\S]*?(?:-----END[^-]*-----|$)");
    static final String REDACTED = "[redacted: looks like a credential]";

    private final List<String> problems;

    public InvalidFleetConfigException(List<String> problems) {
        this(problems.stream().map(InvalidFleetConfigException::redact).toList(), true);
    }

    private InvalidFleetConfigException(List<String> redacted, boolean unused) {
        super(String.join("; ", redacted));
        this.problems = List.copyOf(redacted);
    }

    public List<String> problems() {
        return problems;
    }

    /**
     * Hides what looks like a GitHub credential in a message that quotes user input: a token pasted into the
     * wrong field must not reach readiness, status, Events or the log.
     */
    private static String redact(String message) {
        return CREDENTIAL.matcher(message).replaceAll(REDACTED);
    }
}
