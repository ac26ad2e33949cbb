package dev.arcfleet.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.arcfleet.testing.TestSettings;

/** How the defaults docs/high-availability.md describes are decided. */
class PlacementTest {

    private final TestSettings settings = new TestSettings("arc-runners");

    @Test
    void inAPodLeaderElectionIsOnAndTheLeaseAndCredentialsLiveInThePodsNamespace(@TempDir Path dir) throws IOException {
        Path namespaceFile = Files.writeString(dir.resolve("namespace"), "arcfleet\n");

        Placement placement = Placement.detect(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), namespaceFile);

        assertTrue(placement.inCluster());
        assertTrue(placement.leaderElection(settings));
        assertEquals("arcfleet", placement.leaseNamespace(settings));
        assertEquals("arcfleet", placement.credentialsNamespace(settings));
        assertEquals("arcfleet.arc-runners.arcfleet-repositories", placement.leaseName(settings));
    }

    @Test
    void elsewhereLeaderElectionIsOffAndBothDefaultToTheRunnerNamespace(@TempDir Path dir) throws IOException {
        Path namespaceFile = Files.writeString(dir.resolve("namespace"), "arcfleet\n");

        for (Placement placement : new Placement[] {Placement.detect(Map.of(), namespaceFile),
            // A pod without a mounted ServiceAccount is outside as far as the Kubernetes client is concerned.
            Placement.detect(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), dir.resolve("missing"))}) {
            assertFalse(placement.inCluster());
            assertFalse(placement.leaderElection(settings));
            assertEquals("arc-runners", placement.leaseNamespace(settings));
            assertEquals("arc-runners", placement.credentialsNamespace(settings));
        }
    }

    @Test
    void settingsWinOverWhereArcfleetRuns() {
        Placement inCluster = new Placement(Optional.of("arcfleet"));
        TestSettings chosen = settings.leaderElection(false).credentialsNamespace("secrets").leaseNamespace("leases");

        assertFalse(inCluster.leaderElection(chosen));
        assertEquals("secrets", inCluster.credentialsNamespace(chosen));
        assertEquals("leases", inCluster.leaseNamespace(chosen));
    }

    @Test
    void aLongOwnerStaysAValidLabelValueAndDistinct() {
        String namespace = "n".repeat(60);
        Owner first = Owner.of(namespace, "repositories-a");
        Owner second = Owner.of(namespace, "repositories-b");

        assertEquals(63, first.value().length());
        assertTrue(first.value().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?"), first.value());
        assertFalse(first.equals(second));
        assertEquals("arc-runners.arcfleet-repositories", Owner.of(settings).value());
    }

    /** {@code arcfleet.namespace} always, first, and each further namespace once. */
    @Test
    void runnerNamespacesAreTheOwnNamespaceThenEachFurtherOneOnce() {
        assertEquals(java.util.List.of("arc-runners"), Placement.runnerNamespaces(settings));
        settings.runnerNamespaces("team-b", "arc-runners", "team-c", "team-b");
        assertEquals(java.util.List.of("arc-runners", "team-b", "team-c"), Placement.runnerNamespaces(settings));
    }
}
