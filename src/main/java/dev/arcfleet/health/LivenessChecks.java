package dev.arcfleet.health;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Startup;

import dev.arcfleet.reconcile.CycleReport;
import dev.arcfleet.reconcile.ReconcileLoop;

/**
 * {@code /q/health/live} and {@code /q/health/started}. Liveness only fails when the loop itself is
 * stuck, since a restart cannot fix an unreachable API server or a bad ConfigMap.
 */
@ApplicationScoped
public class LivenessChecks {

    private static final Duration MINIMUM_STUCK_AFTER = Duration.ofMinutes(5);
    private static final int STUCK_AFTER_INTERVALS = 4;

    @Inject
    ReconcileLoop loop;

    @Produces
    @Liveness
    HealthCheck reconcileLoop() {
        return () -> {
            if (loop.standingBy()) {
                return HealthCheckResponse.named("reconcile-loop").up().withData("role", "standby").build();
            }
            Duration stuckAfter = max(MINIMUM_STUCK_AFTER, loop.interval().multipliedBy(STUCK_AFTER_INTERVALS));
            Instant now = Instant.now();
            Instant lastProgress = loop.cycleRunningSince()
                    .or(() -> loop.lastReport().map(report -> report.startedAt().plus(report.duration()).plus(loop.interval())))
                    .orElse(loop.startedAt());
            Duration sinceProgress = Duration.between(lastProgress, now);
            return HealthCheckResponse.named("reconcile-loop")
                    .status(sinceProgress.compareTo(stuckAfter) < 0)
                    .withData("cycleRunning", loop.cycleRunningSince().isPresent())
                    .withData("lastCycleEnded", loop.lastReport().map(LivenessChecks::endedAt).orElse("never"))
                    .withData("stuckAfterSeconds", stuckAfter.toSeconds())
                    .build();
        };
    }

    @Produces
    @Startup
    HealthCheck firstCycle() {
        return () -> HealthCheckResponse.named("first-reconcile-cycle")
                .status(loop.lastReport().isPresent() || loop.standingBy()).build();
    }

    private static String endedAt(CycleReport report) {
        return report.startedAt().plus(report.duration()).toString();
    }

    private static Duration max(Duration first, Duration second) {
        return first.compareTo(second) >= 0 ? first : second;
    }
}
