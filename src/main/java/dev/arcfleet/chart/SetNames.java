package dev.arcfleet.chart;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** How a repository's runner sets are named, in the form workflows target with {@code runs-on}. */
public final class SetNames {

    /** The chart refuses longer scale set names. */
    public static final int MAX_SET_NAME_LENGTH = 45;

    private static final int HASH_LENGTH = 8;

    private SetNames() {
    }

    public static String defaultPrefix(String owner, String repo) {
        return "arc-runner-" + owner + "-" + repo;
    }

    /**
     * {@code <prefix>-<instance>}, DNS-1123-safe. A name that would exceed the chart's limit keeps its
     * instance suffix and trades the prefix's tail for a hash of the whole prefix, so distinct long
     * prefixes stay distinct and the result is the same on every run.
     */
    public static String setName(String prefix, int instance) {
        String safePrefix = dnsSafe(prefix);
        String suffix = "-" + instance;
        if (safePrefix.length() + suffix.length() <= MAX_SET_NAME_LENGTH) {
            return safePrefix + suffix;
        }
        String hashedSuffix = "-" + shortHash(safePrefix) + suffix;
        String kept = trimHyphens(safePrefix.substring(0, MAX_SET_NAME_LENGTH - hashedSuffix.length()));
        return kept + hashedSuffix;
    }

    /**
     * Lower case, every other character a hyphen, no two hyphens in a row, none at either end. Written
     * out rather than with regular expressions: every cycle and every status request names every set.
     */
    static String dnsSafe(String text) {
        StringBuilder safe = new StringBuilder(text.length());
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            char kept = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ? c : '-';
            if (kept != '-' || safe.length() > 0 && safe.charAt(safe.length() - 1) != '-') {
                safe.append(kept);
            }
        }
        return trimHyphens(safe.toString());
    }

    private static String trimHyphens(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == '-') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == '-') {
            end--;
        }
        return text.substring(start, end);
    }

    public static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
