package dev.arcfleet.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

/**
 * Whether arcfleet's watches on the API server are open, and since when not. An outage is logged
 * once when it starts and once when it ends, with its length, so that {@code journalctl} tells an
 * operator what happened; readiness shows which watches are down, since when, and the last error.
 */
final class ApiServerReachability {

    private static final Logger LOG = Logger.getLogger(ClusterCache.class);

    private final Clock clock;
    private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
    private volatile Instant downSince;
    /**
     * When the watches were first seen down. Only down for {@link #GRACE} counts: right after the first lists
     * the watches are not open yet, and that moment is no outage.
     */
    private Instant firstSeenDown;
    static final Duration GRACE = Duration.ofSeconds(2);
    private volatile List<String> down = List.of();

    ApiServerReachability(Clock clock) {
        this.clock = clock;
    }

    /** A list or watch failed; the informer retries on its own. */
    void failed(String watch, Throwable error) {
        lastErrors.put(watch, String.valueOf(error.getMessage()));
    }

    /**
     * Compares with the last check: the watches that are down now (empty when all are open), and
     * whether they were ever all open, so a slow first start is not mistaken for an outage.
     */
    synchronized void check(List<String> watchesDown, boolean everSynced) {
        down = List.copyOf(watchesDown);
        Instant now = clock.instant();
        if (watchesDown.isEmpty()) {
            firstSeenDown = null;
        } else if (firstSeenDown == null) {
            firstSeenDown = now;
        }
        boolean downAWhile = firstSeenDown != null && !now.isBefore(firstSeenDown.plus(GRACE));
        if (downAWhile && downSince == null && (everSynced || !lastErrors.isEmpty())) {
            downSince = firstSeenDown;
            LOG.warnf("API server unreachable: %d watches down (%s); last error: %s; retrying, nothing is changed meanwhile",
                    watchesDown.size(), String.join(", ", watchesDown), lastError().orElse("none yet"));
        } else if (watchesDown.isEmpty() && downSince != null) {
            LOG.infof("API server reachable again after %d s", Duration.between(downSince, clock.instant()).toSeconds());
            downSince = null;
            lastErrors.clear();
        } else if (watchesDown.isEmpty()) {
            lastErrors.clear();
        }
    }

    /** Which watches are down, since when, and why; empty when the API server is reachable. */
    Optional<String> problem() {
        Instant since = downSince;
        if (since == null) {
            return lastError().map(error -> "cannot list or watch: " + error);
        }
        return Optional.of(down.size() + " watches down since " + since + " (" + Duration.between(since, clock.instant())
                .toSeconds() + " s): " + String.join(", ", down) + "; last error: " + lastError().orElse("none"));
    }

    private Optional<String> lastError() {
        return lastErrors.entrySet().stream().findFirst().map(entry -> entry.getKey() + ": " + entry.getValue());
    }
}
