package dev.arcfleet.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.arcfleet.cluster.ManagedKind;
import dev.arcfleet.status.CycleReport;
import dev.arcfleet.status.SetStatus;
import dev.arcfleet.testing.ArcFixtures;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

class BadInputChangesNothingTest {

    private static final String VALID = """
            repositories:
              - name: rkoster/rubionic-workspace
                instances: 2
              - name: acme/tools
            """;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("bad-input");
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            invalid YAML       | 'repositories: [ {name: acme/tools'                                      | not valid YAML
            unknown key        | 'repositories:\n  - name: acme/tools\n    maxRunner: 2\n'                 | repository acme/tools: maxRunner: unknown key
            duplicate          | 'repositories:\n  - name: acme/tools\n  - name: ACME/tools\n'             | repository ACME/tools: name: duplicate of acme/tools
            """)
    void invalidConfigMapKeepsEveryObjectAndSaysWhy(String caseName, String yaml, String expectedProblem) {
        fleet.writeRepositories(VALID);
        fleet.converge();
        Map<String, String> before = managedObjectVersions();
        int auditedBefore = TestApiServer.auditedWrites(fleet.namespace).size();

        fleet.writeRepositories(yaml.replace("\\n", "\n"));
        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.configProblem().orElseThrow(), containsString(expectedProblem));
        assertFalse(report.succeeded());
        assertEquals(0, report.writes());
        assertEquals(0, report.pruned());
        assertEquals(before, managedObjectVersions());
        // The only write is the test's own ConfigMap update.
        assertEquals(1, TestApiServer.auditedWrites(fleet.namespace).size() - auditedBefore);
    }

    @Test
    void moreSetsThanMaxSetsChangesNothing() {
        fleet.settings.maxSets(3);
        fleet.writeRepositories(VALID);
        fleet.converge();
        Map<String, String> before = managedObjectVersions();

        fleet.writeRepositories(VALID.replace("instances: 2", "instances: 3"));
        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.configProblem().orElseThrow(), containsString("describes 4 runner sets, more than arcfleet.max-sets (3) allows"));
        assertEquals(0, report.writes());
        assertEquals(0, report.pruned());
        assertEquals(before, managedObjectVersions());
    }

    @Test
    void missingConfigMapIsAnErrorNotAnEmptyList() {
        fleet.writeRepositories(VALID);
        fleet.converge();
        Map<String, String> before = managedObjectVersions();

        fleet.client.configMaps().inNamespace(fleet.namespace).withName("arcfleet-repositories").delete();
        dev.arcfleet.testing.Poll.until(FleetFixture.TIMEOUT, "the ConfigMap to leave the cache",
                () -> fleet.cache().configMap("arcfleet-repositories").isEmpty());
        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.configProblem().orElseThrow(), containsString("arcfleet-repositories not found"));
        assertEquals(0, report.writes());
        assertEquals(before, managedObjectVersions());
    }

    @Test
    void lastValidConfigurationIsStillEnforcedWhileTheConfigMapIsInvalid() {
        fleet.writeRepositories(VALID);
        fleet.converge();
        fleet.writeRepositories("repositories: oops\n");
        fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").delete();
        fleet.awaitGoneFromCache(ManagedKind.AUTOSCALING_RUNNER_SET, "arc-runner-acme-tools-1");

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.configProblem().orElseThrow(), containsString("repositories: must be a list"));
        assertTrue(fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get() != null);
    }

    @Test
    void invalidConfigMapAtStartCreatesNothing() {
        fleet.writeRepositories("repositories:\n  - name: not-a-repository\n");

        CycleReport report = fleet.reconciler().reconcileOnce();

        assertThat(report.blocker().orElseThrow(), containsString("no valid configuration yet"));
        assertThat(report.configProblem().orElseThrow(), containsString("name: must be a GitHub repository as owner/repo"));
        assertEquals(0, report.writes());
        assertEquals(List.of(), fleet.runnerSets().inNamespace(fleet.namespace).list().getItems());
    }

    @Test
    void unmanagedSameNamedObjectIsReportedAndLeftUntouched() {
        GenericKubernetesResource helmMade = ArcFixtures.helmMadeRunnerSet(fleet.namespace, "arc-runner-acme-tools-1");
        GenericKubernetesResource created = fleet.runnerSets().inNamespace(fleet.namespace).resource(helmMade).create();
        fleet.awaitCached(created);
        fleet.writeRepositories(VALID);

        CycleReport report = fleet.converge().last();

        SetStatus conflict = report.sets().stream().filter(set -> set.name().equals("arc-runner-acme-tools-1")).findFirst().orElseThrow();
        assertEquals(SetStatus.State.CONFLICT, conflict.state());
        assertThat(conflict.detail(), containsString("AutoscalingRunnerSet arc-runner-acme-tools-1"));
        assertEquals(2, report.count(SetStatus.State.READY), "other sets are reconciled regardless");
        GenericKubernetesResource after = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get();
        assertEquals(created.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion());
        assertNull(fleet.client.secrets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1-gha-rs-github-secret").get(),
                "nothing of a conflicting set is created");

        fleet.writeRepositories("repositories:\n  - name: rkoster/rubionic-workspace\n    instances: 2\n");
        fleet.converge();
        assertEquals(created.getMetadata().getResourceVersion(), fleet.runnerSets().inNamespace(fleet.namespace)
                .withName("arc-runner-acme-tools-1").get().getMetadata().getResourceVersion(), "never pruned either");
    }

    @Test
    void labellingAnUnmanagedObjectHandsItOver() {
        GenericKubernetesResource helmMade = ArcFixtures.helmMadeRunnerSet(fleet.namespace, "arc-runner-acme-tools-1");
        fleet.awaitCached(fleet.runnerSets().inNamespace(fleet.namespace).resource(helmMade).create());
        fleet.writeRepositories(VALID);
        fleet.converge();

        GenericKubernetesResource relabelled = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1")
                .edit(set -> {
                    set.getMetadata().getLabels().put("app.kubernetes.io/managed-by", "arcfleet");
                    return set;
                });
        fleet.awaitCached(relabelled);
        CycleReport report = fleet.converge().last();

        assertTrue(report.succeeded(), report::toString);
        GenericKubernetesResource adopted = fleet.runnerSets().inNamespace(fleet.namespace).withName("arc-runner-acme-tools-1").get();
        assertEquals(1, FirstSyncTest.spec(adopted).get("maxRunners"));
        assertEquals("arc-runner-acme-tools-1", adopted.getMetadata().getLabels().get("arcfleet.dev/set"));
    }

    private Map<String, String> managedObjectVersions() {
        return Arrays.stream(ManagedKind.values()).flatMap(kind -> fleet.cache().all(kind))
                .filter(object -> object.getMetadata().getLabels() != null
                        && "arcfleet".equals(object.getMetadata().getLabels().get("app.kubernetes.io/managed-by")))
                .collect(Collectors.toMap(object -> object.getKind() + "/" + object.getMetadata().getName(),
                        (HasMetadata object) -> object.getMetadata().getResourceVersion()));
    }
}
