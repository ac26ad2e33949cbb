package dev.arcfleet.faults;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.status.CycleReport;
import dev.arcfleet.testing.CuttableProxy;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;

/** The API server goes away mid-run and comes back: readiness says why, the log says so once each way, nothing is lost. */
class ApiServerOutageTest {

    private static final String TWO_SETS = "repositories:\n  - name: acme/tools\n    instances: 2\n";

    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private CuttableProxy proxy;
    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        // Other tests of the same JVM may have set the category's level; these lines are INFO and WARN.
        Logger.getLogger("dev.arcfleet.cluster.ClusterCache").setLevel(Level.INFO);
        Logger.getLogger("dev.arcfleet.cluster.ClusterCache").addHandler(capture);
        proxy = new CuttableProxy(java.net.URI.create(TestApiServer.config().getMasterUrl()));
        fleet = FleetFixture.create("outage").daemonClient(proxy.client());
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("dev.arcfleet.cluster.ClusterCache").removeHandler(capture);
        fleet.close();
        proxy.close();
    }

    @Test
    void anOutageIsReportedWhileItLastsLoggedOnceEachWayAndLosesNothing() {
        fleet.writeRepositories(TWO_SETS);
        assertTrue(fleet.converge().last().succeeded());
        List<String> before = fleet.managedObjects();

        for (int outage = 1; outage <= 2; outage++) {
            proxy.stop();
            String problem = Poll.until(FleetFixture.TIMEOUT, "readiness to see the outage " + outage, () -> {
                fleet.cache().checkReachability();
                return String.join("; ", fleet.cache().problems());
            }, text -> text.contains("watches down since"));
            assertThat(problem, containsString("last error"));
            CycleReport during = fleet.reconciler().reconcileOnce();
            assertEquals(0, during.pruned(), "nothing is deleted during an outage");

            proxy.restore();
            Poll.until(FleetFixture.TIMEOUT, "the watches to reopen after outage " + outage, () -> {
                fleet.cache().checkReachability();
                return fleet.cache().watching() && fleet.cache().problems().isEmpty();
            });
            assertEquals(outage, messages(Level.WARNING, "API server unreachable").size(), String.valueOf(logged));
            assertEquals(outage, messages(Level.INFO, "API server reachable again after").size(), String.valueOf(logged));
        }

        assertEquals(before, fleet.managedObjects(), "no set lost");
        fleet.writeRepositories("repositories:\n  - name: acme/tools\n    instances: 3\n");
        assertTrue(fleet.converge().last().succeeded());
        assertTrue(fleet.managedObjects().contains("AutoscalingRunnerSet/arc-runner-acme-tools-3"));
    }

    private List<LogRecord> messages(Level level, String text) {
        return logged.stream().filter(record -> record.getLevel().equals(level)
                && String.valueOf(record.getMessage()).contains(text)).toList();
    }
}
