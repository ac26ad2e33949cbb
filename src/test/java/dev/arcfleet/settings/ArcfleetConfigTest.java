package dev.arcfleet.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The daemon's settings as the daemon reads them at start, where a bad value stops it. */
class ArcfleetConfigTest {

    private static ArcfleetConfig read(Map<String, String> environment) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ArcfleetConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new EnvConfigSource(environment, 300)).build();
        return config.getConfigMapping(ArcfleetConfig.class);
    }

    @ParameterizedTest
    @CsvSource({"never,", "0,PT0S", "7d,PT168H", "12h,PT12H", "90,PT1M30S", "500ms,PT0.5S", "3650d,PT87600H"})
    void orphanRetentionIsNeverOrABoundedDuration(String value, String keep) {
        assertEquals(Optional.ofNullable(keep).map(Duration::parse),
                read(Map.of("ARCFLEET_CACHE_ORPHAN_RETENTION", value)).cache().orphanRetention().keep());
    }

    @ParameterizedTest
    @ValueSource(strings = {"999999999999d", "3651d", "87601h", "99999999999999999999", "7 days", "-1d", "1w", "forever"})
    void absurdOrMalformedOrphanRetentionStopsTheStart(String value) {
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> read(Map.of("ARCFLEET_CACHE_ORPHAN_RETENTION", value)));

        assertTrue(refused.getMessage().contains("arcfleet.cache.orphan-retention"), refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"3651d", "999999999999d"})
    void theLimitIsNamed(String value) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> OrphanRetention.parse(value));

        assertTrue(refused.getMessage().contains("at most 3650d"), refused.getMessage());
    }
}
