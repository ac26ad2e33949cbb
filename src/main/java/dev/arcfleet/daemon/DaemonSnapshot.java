package dev.arcfleet.daemon;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.arcfleet.cache.CacheReport;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.leader.LeaderGate;
import dev.arcfleet.status.CycleProgress;
import dev.arcfleet.status.CycleReport;

/**
 * The daemon at one moment, as health, the API and tests read it.
 *
 * @param standingBy a standby reconciles nothing and manages no caches; the leader reports them
 * @param apiServerProblems why the informers' watches are down; empty while they are up
 * @param lastReport the last cycle of this leadership term; empty before its first
 * @param cycleRunningSince when the running cycle began, if one is running
 * @param cycleProgress the running cycle's progress through its sets, once it has begun applying them
 * @param startedAt when the current leadership term began (without leader election, when the daemon started);
 *        before that the start of this process
 * @param enforcedConfig the configuration being enforced, if a valid one was ever read
 */
public record DaemonSnapshot(
        LeaderGate.State leadership,
        boolean standingBy,
        boolean apiServerReachable,
        List<String> apiServerProblems,
        Optional<CycleReport> lastReport,
        Optional<Instant> cycleRunningSince,
        Optional<CycleProgress.Progress> cycleProgress,
        Instant startedAt,
        Duration interval,
        CacheReport cacheReport,
        Optional<FleetConfig> enforcedConfig) {

    public DaemonSnapshot {
        apiServerProblems = List.copyOf(apiServerProblems);
    }
}
