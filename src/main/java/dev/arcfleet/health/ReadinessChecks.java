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
import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.daemon.DaemonSnapshot;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;

/**
 * {@code /q/health/ready}: ready means the configuration is valid and the last cycle reconciled
 * every set, or, on a standby, that it can reach the API server to take over. Each check carries what
 * a person needs to act on it.
 */
@ApplicationScoped
public class ReadinessChecks {

    private static final int LISTED_PROBLEMS = 5;

    @Inject
    Daemon loop;

    @Produces
    @Readiness
    HealthCheck kubernetesApi() {
        return () -> {
            DaemonSnapshot daemon = loop.snapshot();
            HealthCheckResponseBuilder check = HealthCheckResponse.named("kubernetes-api").status(daemon.apiServerReachable());
            String problems = String.join("; ", daemon.apiServerProblems());
            if (!problems.isEmpty()) {
                check.withData("error", problems);
            }
            return check.build();
        };
    }

    /**
     * Always up: a standby is ready to take over, which lets a Deployment of two be Available with one
     * leader. The data says who leads.
     */
    @Produces
    @Readiness
    HealthCheck leaderElection() {
        return () -> {
            LeaderGate.State leadership = loop.snapshot().leadership();
            HealthCheckResponseBuilder check = HealthCheckResponse.named("leader-election").up()
                    .withData("role", leadership.role());
            if (!leadership.electing()) {
                return check.withData("leaderElection", "off").build();
            }
            return check.withData("identity", leadership.identity()).withData("lease", leadership.lease())
                    .withData("leader", String.valueOf(leadership.leader())).build();
        };
    }

    @Produces
    @Readiness
    HealthCheck arcController() {
        return fromLastCycle("arc-controller", (report, check) -> report.arcController().value().ifPresentOrElse(
                controller -> check.up().withData("version", controller.version())
                        .withData("serviceAccount", controller.serviceAccountNamespace() + "/" + controller.serviceAccountName()),
                () -> check.down().withData("error", report.arcController().problem())));
    }

    @Produces
    @Readiness
    HealthCheck configuration() {
        return fromLastCycle("configuration", (report, check) -> {
            report.configProblem().ifPresentOrElse(problem -> check.down().withData("error", problem), check::up);
        });
    }

    /** The node's cache directories; down stops only new sets, the API reconcile goes on. */
    @Produces
    @Readiness
    HealthCheck cache() {
        return () -> {
            DaemonSnapshot daemon = loop.snapshot();
            if (daemon.standingBy()) {
                return standby("cache", daemon);
            }
            CacheReport report = daemon.cacheReport();
            HealthCheckResponseBuilder check = HealthCheckResponse.named("cache")
                    .status(report.problem().isEmpty() && report.setProblems().isEmpty() && report.stalled().isEmpty());
            report.stalled().forEach((thread, what) -> check.withData("stalled " + thread, what));
            report.problem().ifPresent(problem -> check.withData("error", problem));
            report.setProblems().forEach((set, problem) -> check.withData("error " + set, problem));
            report.usage().forEach((set, usage) -> check.withData("usage " + set, usage.toString()));
            report.orphans().forEach((set, deleteAt) -> check.withData("orphan " + set,
                    deleteAt.map(at -> "deleted after " + at).orElse("kept")));
            // Up while drained: the limit is enforced as it should be, and a job must not take the daemon out of service.
            report.limits().forEach((set, state) -> check.withData("limit " + set, state + ": " + state.meaning()));
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
            report.firstError().ifPresent(error -> check.withData("lastError", error));
            String notReady = report.sets().stream().filter(set -> set.state() != SetStatus.State.READY)
                    .limit(LISTED_PROBLEMS).map(set -> set.name() + " " + set.state() + ": " + set.detail())
                    .collect(Collectors.joining("; "));
            if (!notReady.isEmpty()) {
                check.withData("setsNotReady", notReady);
            }
        }, (daemon, check) -> daemon.cycleProgress().ifPresent(progress -> check.withData("cycleInProgress", progress.summary())));
    }

    private HealthCheck fromLastCycle(String name, BiConsumer<CycleReport, HealthCheckResponseBuilder> fill) {
        return fromLastCycle(name, fill, (daemon, check) -> {
        });
    }

    /**
     * A check made from the last cycle's report; down until a first cycle has run.
     *
     * @param always fills in what holds with or without a report, such as the running first cycle's progress
     */
    private HealthCheck fromLastCycle(String name, BiConsumer<CycleReport, HealthCheckResponseBuilder> fill,
            BiConsumer<DaemonSnapshot, HealthCheckResponseBuilder> always) {
        return () -> {
            DaemonSnapshot daemon = loop.snapshot();
            if (daemon.standingBy()) {
                return standby(name, daemon);
            }
            HealthCheckResponseBuilder check = HealthCheckResponse.named(name);
            always.accept(daemon, check);
            Optional<CycleReport> report = daemon.lastReport();
            if (report.isEmpty()) {
                return check.down().withData("error", "no reconcile cycle has run yet").build();
            }
            fill.accept(report.get(), check);
            return check.build();
        };
    }

    /** A standby neither reconciles nor manages caches; the leader's readiness reports them. */
    private static HealthCheckResponse standby(String name, DaemonSnapshot daemon) {
        return HealthCheckResponse.named(name).up().withData("role", "standby")
                .withData("leader", String.valueOf(daemon.leadership().leader())).build();
    }
}
