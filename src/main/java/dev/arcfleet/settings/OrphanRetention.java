package dev.arcfleet.settings;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * How long a removed set's cache directory is kept: {@code never} (empty), or a duration such as {@code 7d}.
 * Bounded, so that a typo such as {@code 999999999999d} stops the daemon at start rather than overflow the
 * deletion time of every orphan.
 */
public record OrphanRetention(Optional<Duration> keep) {

    public static final Duration MAX = Duration.ofDays(3650);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

    public static OrphanRetention parse(String text) {
        if ("never".equals(text)) {
            return new OrphanRetention(Optional.empty());
        }
        Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("arcfleet.cache.orphan-retention must be 'never' or a duration such as 7d, "
                    + "12h or 0, got '" + text + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        Duration keep = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (keep.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("arcfleet.cache.orphan-retention must be at most " + MAX.toDays()
                    + "d (or 'never'), got '" + text + "'");
        }
        return new OrphanRetention(Optional.of(keep));
    }

    /** For the {@code arcfleet.cache.orphan-retention} property, so a bad value fails the start. */
    public static final class FromProperty implements Converter<OrphanRetention> {

        @Override
        public OrphanRetention convert(String value) {
            return parse(value.trim());
        }
    }
}
