package dev.arcfleet.fleet;

import java.util.regex.Pattern;

/**
 * Hides what looks like a GitHub credential in a message that quotes user input: a token pasted into
 * the wrong field must not reach readiness, status, Events or the log.
 */
public final class CredentialRedaction {

    /** GitHub's token prefixes (personal, OAuth, user-to-server, server-to-server, refresh, fine-grained) and PEM keys. */
    private static final Pattern CREDENTIAL = Pattern.compile(
            "(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]+|-----BEGIN[\\s\\S]*?(?:-----END[^-]*-----|$)");
    static final String REDACTED = "[redacted: looks like a credential]";

    private CredentialRedaction() {
    }

    public static String redact(String message) {
        return CREDENTIAL.matcher(message).replaceAll(REDACTED);
    }
}
