package dev.arcfleet.status;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.arcfleet.fleet.FleetConfig;

/** Logs what changed since the last cycle, so an unchanged problem is not repeated every interval. */
public final class CycleLog {

    private static final Logger LOG = Logger.getLogger(CycleLog.class);

    private Optional<String> lastConfigProblem = Optional.empty();
    private Optional<String> lastBlocker = Optional.empty();
    private Map<String, SetStatus> lastSetStatuses = Map.of();

    /** {@code configRead}: false when the cluster was unreadable, and the blocker says so once. */
    public void log(CycleReport report, boolean configRead, Optional<FleetConfig> enforced) {
        Optional<String> configProblem = report.configProblem();
        if (configRead && !configProblem.equals(lastConfigProblem)) {
            configProblem.ifPresentOrElse(problem -> LOG.errorf("%s; %s", problem, enforced.isEmpty() ? "nothing is changed"
                    : "keeping the last valid configuration, nothing is deleted"),
                    () -> enforced.ifPresent(config -> LOG.infof("Configuration valid: %d repositories, %d runner sets",
                            config.repositories().size(), config.runnerSets().size())));
            lastConfigProblem = configProblem;
        }
        if (!report.blocker().equals(lastBlocker)) {
            report.blocker().ifPresent(blocker -> LOG.errorf("Reconcile blocked, nothing is changed: %s", blocker));
            lastBlocker = report.blocker();
        }
        Map<String, SetStatus> statuses = new HashMap<>();
        for (SetStatus status : report.sets()) {
            statuses.put(status.name(), status);
            SetStatus previous = lastSetStatuses.get(status.name());
            if (status.state() != SetStatus.State.READY && !status.equals(previous)) {
                LOG.warnf("Runner set %s (%s): %s: %s", status.name(), status.repository(), status.state(), status.detail());
            }
        }
        lastSetStatuses = statuses;
    }
}
