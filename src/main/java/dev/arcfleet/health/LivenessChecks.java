package dev.arcfleet.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Startup;

import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.daemon.DaemonSnapshot;
import dev.arcfleet.status.CycleReport;

/**
 * {@code /q/health/live} and {@code /q/health/started}. Liveness only fails when the loop itself is
 * stuck, or a cache thread made no progress for {@code arcfleet.cache.stuck-after}, since a restart cannot fix
 * an unreachable API server or a bad ConfigMap. A cache operation that stops moving shows in readiness first,
 * at {@code stall-after}.
 */
@ApplicationScoped
public class LivenessChecks {

    private static final Duration MINIMUM_STUCK_AFTER = Duration.ofMinutes(5);
    private static final int STUCK_AFTER_INTERVALS = 4;

    @Inject
    Daemon loop;

    @Produces
    @Liveness
    HealthCheck reconcileLoop() {
        return () -> {
            DaemonSnapshot daemon = loop.snapshot();
            if (daemon.standingBy()) {
                return HealthCheckResponse.named("reconcile-loop").up().withData("role", "standby").build();
            }
            Duration stuckAfter = max(MINIMUM_STUCK_AFTER, daemon.interval().multipliedBy(STUCK_AFTER_INTERVALS));
            Instant now = Instant.now();
            Instant lastProgress = daemon.cycleRunningSince()
                    .or(() -> daemon.lastReport().map(report -> report.startedAt().plus(report.duration()).plus(daemon.interval())))
                    .orElse(daemon.startedAt());
            Duration sinceProgress = Duration.between(lastProgress, now);
            return HealthCheckResponse.named("reconcile-loop")
                    .status(sinceProgress.compareTo(stuckAfter) < 0)
                    .withData("cycleRunning", daemon.cycleRunningSince().isPresent())
                    .withData("lastCycleEnded", daemon.lastReport().map(LivenessChecks::endedAt).orElse("never"))
                    .withData("stuckAfterSeconds", stuckAfter.toSeconds())
                    .build();
        };
    }

    /** A wedged walk or deletion (a tool hung on a filesystem) that only a new process may get past. */
    @Produces
    @Liveness
    HealthCheck cacheWorker() {
        return () -> {
            Map<String, String> stuck = loop.snapshot().cacheReport().stuck();
            HealthCheckResponseBuilder check = HealthCheckResponse.named("cache-worker").status(stuck.isEmpty());
            stuck.forEach((thread, what) -> check.withData("stuck " + thread, what));
            return check.build();
        };
    }

    @Produces
    @Startup
    HealthCheck firstCycle() {
        return () -> {
            DaemonSnapshot daemon = loop.snapshot();
            return HealthCheckResponse.named("first-reconcile-cycle")
                    .status(daemon.lastReport().isPresent() || daemon.standingBy()).build();
        };
    }

    private static String endedAt(CycleReport report) {
        return report.startedAt().plus(report.duration()).toString();
    }

    private static Duration max(Duration first, Duration second) {
        return first.compareTo(second) >= 0 ? first : second;
    }
}
