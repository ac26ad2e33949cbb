package dev.arcfleet.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.arcfleet.status.FleetStatus;

/** What {@code arcfleet status} prints: a {@code kubectl get}-style table of every set, then the fleet's own state. */
final class StatusTable {

    private static final List<String> COLUMNS = List.of("REPOSITORY", "SET", "STATE", "RUNNERS", "LISTENER", "CACHE",
            "LAST APPLIED", "DETAIL");
    private static final List<String> WIDE_COLUMNS = List.of("REPOSITORY", "SET", "NAMESPACE", "STATE", "RUNNERS", "PENDING", "RUNNING",
            "FAILED", "PHASE", "LISTENER", "CACHE", "FILES", "LAST APPLIED", "DETAIL");
    private static final String NONE = "-";
    private static final int DETAIL_WIDTH = 60;
    private static final int LISTED_PRUNING = 5;
    private static final String[] BINARY_UNITS = { "Ki", "Mi", "Gi", "Ti", "Pi" };

    private StatusTable() {
    }

    static String render(FleetStatus status, Instant now, boolean wide) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(wide ? WIDE_COLUMNS : COLUMNS);
        for (FleetStatus.Repository repository : status.repositories()) {
            for (FleetStatus.RunnerSet set : repository.sets()) {
                rows.add(wide ? wideRow(repository, set, now) : row(repository, set, now));
            }
        }
        StringBuilder out = new StringBuilder();
        if (rows.size() == 1) {
            out.append("No runner sets.\n");
        } else {
            out.append(align(rows));
        }
        out.append('\n').append(summary(status, now));
        return out.toString();
    }

    private static List<String> row(FleetStatus.Repository repository, FleetStatus.RunnerSet set, Instant now) {
        String detail = set.detail().length() > DETAIL_WIDTH ? set.detail().substring(0, DETAIL_WIDTH - 3) + "..." : set.detail();
        return List.of(repository.name(), set.name(), set.state(), runners(set), set.listener().present() ? "yes" : "no",
                cache(set), age(set.lastApplied(), now), detail);
    }

    private static List<String> wideRow(FleetStatus.Repository repository, FleetStatus.RunnerSet set, Instant now) {
        Map<String, Object> arc = set.runnerSet();
        return List.of(repository.name(), set.name(), set.namespace(), set.state(), runners(set), field(arc, "pendingEphemeralRunners"),
                field(arc, "runningEphemeralRunners"), field(arc, "failedEphemeralRunners"), field(arc, "phase"),
                set.listener().present() ? set.listener().name() : NONE, cache(set),
                set.cacheFiles() == null ? NONE : set.cacheFiles().toString(), age(set.lastApplied(), now), set.detail());
    }

    /** ARC's current runners over the configured maximum; "-" before ARC has reported any. */
    private static String runners(FleetStatus.RunnerSet set) {
        return field(set.runnerSet(), "currentRunners") + "/" + (set.maxRunners() == null ? "unlimited" : set.maxRunners());
    }

    /**
     * A cache directory's size (over maxCacheSize, and its state when not within it, such as {@code drained}); a claim's phase and, once bound, where it is, so that which node
     * holds a set's cache, and where, is one command: {@code pvc Bound node:/path}.
     */
    private static String cache(FleetStatus.RunnerSet set) {
        FleetStatus.CacheClaim claim = set.cacheClaim();
        if (claim != null) {
            String where = claim.node() == null ? claim.path() : claim.path() == null ? claim.node() : claim.node() + ":" + claim.path();
            return "pvc " + (claim.phase() == null ? "absent" : claim.phase()) + (where == null ? "" : " " + where);
        }
        String size = set.cacheBytes() == null ? NONE : bytes(set.cacheBytes());
        String state = set.cacheState() == null ? ""
                : " " + set.cacheState().toLowerCase(Locale.ROOT).replace('_', '-');
        return (set.cacheLimitBytes() == null ? size : size + "/" + bytes(set.cacheLimitBytes())) + state;
    }

    private static String field(Map<String, Object> arcStatus, String name) {
        Object value = arcStatus.get(name);
        return value == null ? NONE : value.toString();
    }

    private static String summary(FleetStatus status, Instant now) {
        FleetStatus.Global global = status.global();
        StringBuilder out = new StringBuilder();
        if (global.progress() != null) {
            out.append("Cycle in progress: ").append(global.progress().summary()).append(" (for ")
                    .append(age(global.progress().startedAt(), now)).append(")\n");
        }
        out.append("Last cycle: ");
        if (global.lastCycle() == null) {
            out.append("none yet\n");
        } else {
            out.append(age(global.lastCycle(), now)).append(" ago, took ").append(global.lastCycleMillis()).append(" ms, ")
                    .append(global.lastCycleSucceeded() ? "succeeded" : "failed: " + global.lastError()).append('\n');
        }
        out.append("Configuration: ").append(global.configValid() ? "valid" : "invalid: " + global.configError()).append('\n');
        out.append("ARC controller: ").append(global.arcControllerVersion() != null ? global.arcControllerVersion()
                : "unknown: " + global.arcControllerError()).append('\n');
        if (!status.pruning().isEmpty()) {
            List<String> pruning = status.pruning();
            out.append("Pruning: ").append(String.join(", ", pruning.subList(0, Math.min(pruning.size(), LISTED_PRUNING))));
            if (pruning.size() > LISTED_PRUNING) {
                out.append(" and ").append(pruning.size() - LISTED_PRUNING).append(" more");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Columns three spaces apart, as kubectl prints them. */
    private static String align(List<List<String>> rows) {
        int[] widths = new int[rows.get(0).size()];
        for (List<String> row : rows) {
            for (int column = 0; column < row.size(); column++) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < row.size(); column++) {
                line.append(row.get(column));
                if (column < row.size() - 1) {
                    line.append(" ".repeat(widths[column] - row.get(column).length() + 3));
                }
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** Kubernetes-style binary quantities: 0, 512, 1.5Ki, 820Mi, 20Gi. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return Long.toString(bytes);
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = value < 10 && value != Math.floor(value) ? String.format(Locale.ROOT, "%.1f", value) : Long.toString(Math.round(value));
        return number + BINARY_UNITS[unit];
    }

    /** kubectl's ages: 45s, 3m12s, 47m, 5h3m, 20h, 3d4h, 12d; "-" for never. */
    static String age(Instant then, Instant now) {
        if (then == null) {
            return NONE;
        }
        Duration age = Duration.between(then, now);
        long seconds = Math.max(0, age.toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            return minutes + "m" + (seconds % 60 == 0 ? "" : seconds % 60 + "s");
        }
        long hours = minutes / 60;
        if (hours < 3) {
            return minutes + "m";
        }
        if (hours < 8) {
            return hours + "h" + (minutes % 60 == 0 ? "" : minutes % 60 + "m");
        }
        long days = hours / 24;
        if (hours < 48) {
            return hours + "h";
        }
        return days < 8 && hours % 24 != 0 ? days + "d" + hours % 24 + "h" : days + "d";
    }
}
