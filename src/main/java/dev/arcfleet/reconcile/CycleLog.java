package dev.arcfleet.reconcile;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.arcfleet.config.FleetConfig;

/** Logs what changed since the last cycle, so an unchanged problem is not repeated every interval. */
final class CycleLog {

    private static final Logger LOG = Logger.getLogger(FleetReconciler.class);

    private String lastConfigProblem;
    private String lastBlocker;
    private Map<String, SetStatus> lastSetStatuses = Map.of();

    /** {@code configRead}: false when the cluster was unreadable, and the blocker says so once. */
    void log(CycleReport report, boolean configRead, Optional<FleetConfig> enforced) {
        String configProblem = report.configProblem();
        if (configRead && !Objects.equals(configProblem, lastConfigProblem)) {
            if (configProblem == null) {
                enforced.ifPresent(config -> LOG.infof("Configuration valid: %d repositories, %d runner sets",
                        config.repositories().size(), config.runnerSets().size()));
            } else {
                LOG.errorf("%s; %s", configProblem, enforced.isEmpty() ? "nothing is changed"
                        : "keeping the last valid configuration, nothing is deleted");
            }
            lastConfigProblem = configProblem;
        }
        if (!Objects.equals(report.blocker(), lastBlocker)) {
            if (report.blocker() != null) {
                LOG.errorf("Reconcile blocked, nothing is changed: %s", report.blocker());
            }
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
