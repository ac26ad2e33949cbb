package dev.arcfleet.route;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;

/**
 * Which of a repository's runner sets a workflow run goes to. The single definition of the rule;
 * {@link WorkflowSnippets} writes the same rule for a workflow, and the tests hold the two to each other.
 *
 * <p>For an issue or pull-request number {@code n} and {@code N} instances: instance {@code n mod N + 1},
 * so all work on one issue lands on the same, warm, set. Events without a number route by a key the
 * workflow chooses (by default {@code github.run_number}):
 * <ul>
 * <li>a key made only of the digits 0-9 is read as a decimal number and routed like {@code n};</li>
 * <li>any other key, including the empty one, by the first {@value #HASH_HEX_DIGITS} hex digits of the
 * SHA-256 of its UTF-8 bytes, read as an unsigned number. That is
 * {@code printf '%s' "$KEY" | sha256sum | cut -c1-8} in a shell, and 32 bits stay exact in any shell's
 * 64-bit arithmetic.</li>
 * </ul>
 * The set name is always taken from {@link RepositoryConfig#runnerSets()}, never rebuilt from the prefix,
 * because long names are shortened with a hash.
 *
 * <p>The original design, {@code runs-on: arc-runner-<owner>-<repo>-${{ github.event.issue.number % 3 + 1 }}},
 * cannot work: GitHub Actions expressions have comparison and logical operators and a few functions,
 * but no arithmetic at all. GitHub's own parser ({@code @actions/expressions} 0.3.61) rejects that line
 * with {@code Unexpected symbol: '%'}, so the workflow does not even load. Hence the route job and, for
 * instance counts that divide 10, the last-digit expression of {@link WorkflowSnippets}.
 */
public final class RoutingRule {

    /** 32 bits: exact as an unsigned number in a shell's signed 64-bit arithmetic. */
    static final int HASH_HEX_DIGITS = 8;

    /**
     * @param derivation how the instance was reached, for people, e.g.
     *                   {@code issue or pull request 123 mod 3 = 0, + 1 → instance 1}
     */
    public record Route(String setName, int instance, String derivation) {
    }

    private RoutingRule() {
    }

    /** The set for issue or pull request {@code number} (issues and pull requests share one sequence). */
    public static Route forNumber(RepositoryConfig repository, long number) {
        if (number < 0) {
            throw new IllegalArgumentException("issue and pull-request numbers are not negative, got " + number);
        }
        int remainder = (int) (number % repository.instances());
        return route(repository, remainder,
                "issue or pull request " + number + " mod " + repository.instances() + " = " + remainder);
    }

    /** The set for a run without an issue or pull-request number, by the key the workflow chose. */
    public static Route forKey(RepositoryConfig repository, String key) {
        Objects.requireNonNull(key, "key");
        BigInteger instances = BigInteger.valueOf(repository.instances());
        if (isDigits(key)) {
            int remainder = new BigInteger(key).mod(instances).intValueExact();
            return route(repository, remainder, "key \"" + key + "\" is all digits: " + new BigInteger(key)
                    + " mod " + instances + " = " + remainder);
        }
        String hex = sha256Hex(key).substring(0, HASH_HEX_DIGITS);
        long hashed = Long.parseLong(hex, 16);
        int remainder = (int) (hashed % repository.instances());
        return route(repository, remainder, "key \"" + key + "\" is not all digits: SHA-256 starts " + hex
                + " = " + hashed + ", mod " + instances + " = " + remainder);
    }

    /** The digits test of the rule: ASCII 0-9 only, at least one. */
    static boolean isDigits(String key) {
        return !key.isEmpty() && key.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static Route route(RepositoryConfig repository, int remainder, String derivation) {
        int instance = remainder + 1;
        RunnerSet set = repository.runnerSets().stream()
                .filter(candidate -> candidate.instance() == instance)
                .findFirst()
                .orElseThrow();
        return new Route(set.name(), instance, derivation + ", + 1 → instance " + instance);
    }

    private static String sha256Hex(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
