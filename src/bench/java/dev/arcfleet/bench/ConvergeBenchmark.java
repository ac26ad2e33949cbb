package dev.arcfleet.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.arcfleet.status.CycleReport;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestApiServer;

/**
 * Prints how long arcfleet takes to converge a fleet from empty and what an idle cycle costs.
 * Run with {@code bash src/bench/run.sh converge}; it asserts nothing about time.
 */
class ConvergeBenchmark {

    private static final int REPOSITORIES = 10;
    private static final int INSTANCES = 3;
    private static final int ROUNDS = 5;

    /**
     * Rounds alternate between a fleet alone and one beside the ARC stand-in, which patches every new set
     * at once, so that both see the same machine; the ratio shows what ARC's writes cost a cycle.
     */
    @Test
    void convergeFromEmptyAndIdleCycle() {
        TestApiServer.kubeconfig();
        List<Long> convergeMillis = new ArrayList<>();
        List<Long> withArcMillis = new ArrayList<>();
        List<Long> idleMicros = new ArrayList<>();
        long writes = 0;
        long idleWrites = 0;
        for (int round = 0; round <= ROUNDS; round++) {
            for (boolean withArc : List.of(false, true)) {
                try (FleetFixture fleet = FleetFixture.create("bench")) {
                    if (withArc) {
                        fleet.startArcController(FleetFixture.ARC_VERSION);
                    }
                    fleet.reconciler();
                    fleet.writeRepositories(repositories());
                    long start = System.nanoTime();
                    FleetFixture.Converged converged = fleet.converge();
                    long elapsed = System.nanoTime() - start;
                    long idleStart = System.nanoTime();
                    CycleReport idle = fleet.reconciler().reconcileOnce();
                    long idleElapsed = System.nanoTime() - idleStart;
                    if (round > 0) { // the first round warms up the JVM
                        (withArc ? withArcMillis : convergeMillis).add(Duration.ofNanos(elapsed).toMillis());
                        if (!withArc) {
                            idleMicros.add(idleElapsed / 1_000);
                            writes = converged.writes();
                            idleWrites += idle.writes();
                        }
                    }
                }
            }
        }
        System.out.printf("%nconverge %d repositories x %d instances (%d objects) from empty: %s ms (median %d ms), %d writes%n",
                REPOSITORIES, INSTANCES, REPOSITORIES * INSTANCES * 8, convergeMillis, median(convergeMillis), writes);
        System.out.printf("the same beside the ARC stand-in: %s ms (median %d ms), ratio %.2f%n", withArcMillis,
                median(withArcMillis), (double) median(withArcMillis) / median(convergeMillis));
        System.out.printf("idle cycle over %d sets: %s us (median %d us), %d writes in %d idle cycles%n%n",
                REPOSITORIES * INSTANCES, idleMicros, median(idleMicros), idleWrites, ROUNDS);
    }

    private static String repositories() {
        StringBuilder yaml = new StringBuilder("repositories:\n");
        for (int i = 1; i <= REPOSITORIES; i++) {
            yaml.append("  - name: acme/service-").append(i).append("\n    instances: ").append(INSTANCES).append('\n');
        }
        return yaml.toString();
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }
}
