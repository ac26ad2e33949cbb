package dev.arcfleet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.arcfleet.testing.MutableClock;

/** Right after the first lists the watches are not open yet: no outage unless they stay down. */
class ApiServerReachabilityTest {

    private static final List<String> WATCHES = List.of("Secrets in arc-runners", "Pods in arc-runners");

    private final MutableClock clock = new MutableClock();
    private final ApiServerReachability reachability = new ApiServerReachability(clock);

    @Test
    void watchesOpeningJustAfterTheFirstListsAreNoOutage() {
        reachability.check(WATCHES, true);
        clock.advance(Duration.ofSeconds(1));
        reachability.check(WATCHES, true);
        assertEquals(Optional.empty(), reachability.problem());

        reachability.check(List.of(), true);
        clock.advance(Duration.ofSeconds(5));
        reachability.check(WATCHES, true);
        assertEquals(Optional.empty(), reachability.problem(), "a new drop starts its own grace");
    }

    @Test
    void watchesDownForTheGraceAreAnOutageSinceTheyFirstDropped() {
        reachability.check(WATCHES, true);
        clock.advance(ApiServerReachability.GRACE);
        reachability.check(WATCHES, true);

        String problem = reachability.problem().orElseThrow();
        assertTrue(problem.startsWith("2 watches down since " + clock.instant().minus(ApiServerReachability.GRACE)), problem);
    }
}
