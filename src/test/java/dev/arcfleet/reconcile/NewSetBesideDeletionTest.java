package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.FleetFixture;

/**
 * A set added while a removed set's cache is being deleted gets its directory and AutoscalingRunnerSet within
 * 30 s: the test-sized version (20,000 files) of the {@code cache-delete-beside} benchmark's 2,000,000.
 */
class NewSetBesideDeletionTest {

    private static final Duration GOAL = Duration.ofSeconds(30);

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("beside");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void aNewSetIsCreatedBesideALargeDeletion() throws Exception {
        NewSetBesideDeletion.Result result = NewSetBesideDeletion.run(fleet, 20_000, GOAL);
        System.out.printf("new set's directory and AutoscalingRunnerSet %d ms after it was added, beside the deletion of"
                + " 20,000 files (rm still running then: %s); load %s%n", result.took().toMillis(), result.deletionStillRunning(),
                NewSetBesideDeletion.load());
        assertTrue(result.took().compareTo(GOAL) < 0, "took " + result.took());
    }
}
