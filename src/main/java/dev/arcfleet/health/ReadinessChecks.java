package dev.arcfleet.health;

import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.reconcile.CycleReport;
import dev.arcfleet.reconcile.ReconcileLoop;
import dev.arcfleet.reconcile.SetStatus;

/**
 * {@code /q/health/ready}: ready means the configuration is valid and the last cycle reconciled
 * every set. Each check carries what a person needs to act on it.
 */
@ApplicationScoped
public class ReadinessChecks {

    private static final int LISTED_PROBLEMS = 5;

    @Inject
    ReconcileLoop loop;

    @Produces
    @Readiness
    HealthCheck kubernetesApi() {
        return () -> {
            HealthCheckResponseBuilder check = HealthCheckResponse.named("kubernetes-api").status(loop.apiServerReachable());
            String problems = String.join("; ", loop.apiServerProblems());
            if (!problems.isEmpty()) {
                check.withData("error", problems);
            }
            return check.build();
        };
    }

    @Produces
    @Readiness
    HealthCheck arcController() {
        return fromLastCycle("arc-controller", (report, check) -> report.arcController().ifPresentOrElse(
                controller -> check.up().withData("version", controller.version())
                        .withData("serviceAccount", controller.serviceAccountNamespace() + "/" + controller.serviceAccountName()),
                () -> check.down().withData("error", report.arcControllerProblem())));
    }

    @Produces
    @Readiness
    HealthCheck configuration() {
        return fromLastCycle("configuration", (report, check) -> {
            if (report.configProblem() == null) {
                check.up();
            } else {
                check.down().withData("error", report.configProblem());
            }
        });
    }

    /** The node's cache directories; down stops only new sets, the API reconcile goes on. */
    @Produces
    @Readiness
    HealthCheck cache() {
        return () -> {
            CacheReport report = loop.cacheReport();
            HealthCheckResponseBuilder check = HealthCheckResponse.named("cache")
                    .status(report.problem().isEmpty() && report.setProblems().isEmpty());
            report.problem().ifPresent(problem -> check.withData("error", problem));
            report.setProblems().forEach((set, problem) -> check.withData("error " + set, problem));
            report.usage().forEach((set, usage) -> check.withData("usage " + set, usage.toString()));
            report.orphans().forEach((set, deleteAt) -> check.withData("orphan " + set,
                    deleteAt.map(at -> "deleted after " + at).orElse("kept")));
            report.cleanup().forEach((set, why) -> check.withData("cleanup " + set, why));
            report.measureProblems().forEach((set, why) -> check.withData("measure " + set, why));
            if (!report.unknown().isEmpty()) {
                check.withData("notArcfleets", String.join(", ", report.unknown()));
            }
            return check.build();
        };
    }

    @Produces
    @Readiness
    HealthCheck reconcile() {
        return fromLastCycle("reconcile", (report, check) -> {
            check.status(report.succeeded())
                    .withData("lastReconcile", report.startedAt().toString())
                    .withData("durationMillis", report.duration().toMillis())
                    .withData("setsDesired", report.sets().size())
                    .withData("setsReady", report.count(SetStatus.State.READY))
                    .withData("setsConflicting", report.count(SetStatus.State.CONFLICT))
                    .withData("setsFailed", report.count(SetStatus.State.FAILED))
                    .withData("setsWaiting", report.count(SetStatus.State.WAITING))
                    .withData("writes", report.writes())
                    .withData("pruned", report.pruned());
            if (report.firstError() != null) {
                check.withData("lastError", report.firstError());
            }
            String notReady = report.sets().stream().filter(set -> set.state() != SetStatus.State.READY)
                    .limit(LISTED_PROBLEMS).map(set -> set.name() + " " + set.state() + ": " + set.detail())
                    .collect(Collectors.joining("; "));
            if (!notReady.isEmpty()) {
                check.withData("setsNotReady", notReady);
            }
        });
    }

    /** A check made from the last cycle's report; down until a first cycle has run. */
    private HealthCheck fromLastCycle(String name, BiConsumer<CycleReport, HealthCheckResponseBuilder> fill) {
        return () -> {
            HealthCheckResponseBuilder check = HealthCheckResponse.named(name);
            Optional<CycleReport> report = loop.lastReport();
            if (report.isEmpty()) {
                return check.down().withData("error", "no reconcile cycle has run yet").build();
            }
            fill.accept(report.get(), check);
            return check.build();
        };
    }
}
