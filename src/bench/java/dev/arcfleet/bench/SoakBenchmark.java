package dev.arcfleet.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestApiServer;

/**
 * Creates and prunes 30 sets over and over with one long-lived reconciler, beside the ARC stand-in, and prints the
 * heap after a full GC once warmed up and at the end: whatever the daemon keeps per set must go with the set.
 * Run with {@code bash src/bench/run.sh soak}; {@code -Darcfleet.soak.rounds} sets the rounds.
 */
class SoakBenchmark {

    private static final int ROUNDS = Integer.getInteger("arcfleet.soak.rounds", 500);
    private static final int REPOSITORIES = 10;
    private static final int INSTANCES = 3;
    private static final double ALLOWED_GROWTH = 1.10;
    /** Held, since the log manager keeps loggers weakly: two INFO lines per object and round would flood the output. */
    private static final Logger ARCFLEET_LOG = Logger.getLogger("dev.arcfleet");

    /**
     * One repository keeps its name every round, as when a person toggles it, and arcfleet's own prunes of it must
     * never trip the delete-loop breaker. The nine others get new names every round: only new names show state kept
     * by set name, since a map that never forgets a set does not grow with the same names.
     */
    @Test
    void createAndPruneThirtySetsEveryRound() throws Exception {
        TestApiServer.kubeconfig();
        ARCFLEET_LOG.setLevel(Level.WARNING);
        try (FleetFixture fleet = FleetFixture.create("soak")) {
            // Removed sets' cache directories go at once, so that the directories left behind do not count.
            fleet.settings.orphanRetention("0");
            ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
            round(fleet, arc, 0);
            long startHeap = heapAfterGc();
            Map<String, Long> startInstances = arcfleetInstances();
            long[] roundNanos = new long[ROUNDS];
            for (int round = 1; round <= ROUNDS; round++) {
                long start = System.nanoTime();
                round(fleet, arc, round);
                roundNanos[round - 1] = System.nanoTime() - start;
            }
            long endHeap = heapAfterGc();
            double ratio = (double) endHeap / startHeap;
            int tenth = Math.max(1, ROUNDS / 10);
            System.out.printf("%nsoak: %d rounds of %d repositories x %d instances created and pruned in %d s; a round took"
                    + " %d ms on average, %d ms over the first %d rounds, %d ms over the last %d%n", ROUNDS, REPOSITORIES,
                    INSTANCES, Duration.ofNanos(Arrays.stream(roundNanos).sum()).toSeconds(), averageMillis(roundNanos, 0, ROUNDS),
                    averageMillis(roundNanos, 0, tenth), tenth, averageMillis(roundNanos, ROUNDS - tenth, ROUNDS), tenth);
            System.out.printf("heap after full GC: %.1f MiB after the warm-up round, %.1f MiB at the end, ratio %.3f%n",
                    mib(startHeap), mib(endHeap), ratio);
            System.out.printf("kept at the end: lastApplied %d sets, informer caches %s, cache usage %d sets, orphans %d%n",
                    fleet.reconciler().lastApplied().size(), informerSizes(fleet), fleet.caches().report().usage().size(),
                    fleet.caches().report().orphans().size());
            System.out.printf("dev.arcfleet classes with more live instances at the end than after the warm-up round: %s%n%n",
                    grown(startInstances, arcfleetInstances()));
            if (ratio > ALLOWED_GROWTH) {
                throw new AssertionError("the heap grew by " + Math.round((ratio - 1) * 100) + "% over " + ROUNDS + " rounds");
            }
        }
    }

    /** Creates the sets, waits until every one is in sync, then removes them all and waits until nothing is left. */
    private static void round(FleetFixture fleet, ArcControllerStandIn arc, int round) {
        fleet.writeRepositories(repositories(round));
        CycleReport created = fleet.converge().last();
        if (!created.succeeded() || created.sets().size() != REPOSITORIES * INSTANCES) {
            throw new AssertionError("round " + round + ": not every set in sync: " + created.firstError());
        }
        fleet.writeRepositories("repositories: []\n");
        try {
            fleet.cycleUntil("every set pruned and its cache directory deleted", report -> report.sets().isEmpty()
                    && fleet.managedObjects().isEmpty() && fleet.caches().report().orphans().isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError("round " + round + ": left " + fleet.managedObjects() + ", cache directories "
                    + fleet.caches().report().orphans().keySet() + ", stand-in stuck on " + arc.stuck, e);
        }
        // The stand-in's own records of what it did, which only a test reads.
        arc.deregistered.clear();
        arc.listenersCreated.clear();
    }

    private static String repositories(int round) {
        StringBuilder yaml = new StringBuilder("repositories:\n  - name: acme/toggled\n    instances: " + INSTANCES + "\n");
        for (int i = 2; i <= REPOSITORIES; i++) {
            yaml.append("  - name: acme/service-").append(round).append('-').append(i)
                    .append("\n    instances: ").append(INSTANCES).append('\n');
        }
        return yaml.toString();
    }

    /** Heap in use after full collections, repeated until a collection frees nothing more. */
    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used) {
                break;
            }
            used = now;
        }
        return used;
    }

    private static String informerSizes(FleetFixture fleet) {
        return Arrays.stream(ManagedKind.values())
                .map(kind -> kind.kind() + " " + fleet.cache().all(kind).count()).collect(Collectors.joining(", "));
    }

    /** Live instances of each dev.arcfleet class, from the class histogram that jcmd GC.class_histogram prints. */
    private static Map<String, Long> arcfleetInstances() throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        // "   1:   <instances>   <bytes>  <class name>"
        return histogram.lines().map(String::trim).map(line -> line.split("\\s+"))
                .filter(columns -> columns.length >= 4 && columns[3].contains("dev.arcfleet.") && !columns[3].contains("$$Lambda"))
                .collect(Collectors.toMap(columns -> columns[3], columns -> Long.parseLong(columns[1]), Long::sum));
    }

    private static String grown(Map<String, Long> before, Map<String, Long> after) {
        String grown = after.entrySet().stream().filter(entry -> entry.getValue() > before.getOrDefault(entry.getKey(), 0L))
                .sorted(Map.Entry.comparingByKey())
                .map(entry -> entry.getKey() + " " + before.getOrDefault(entry.getKey(), 0L) + " -> " + entry.getValue())
                .collect(Collectors.joining(", "));
        return grown.isEmpty() ? "none" : grown;
    }

    private static long averageMillis(long[] nanos, int from, int to) {
        return Duration.ofNanos(Arrays.stream(nanos, from, to).sum() / (to - from)).toMillis();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
