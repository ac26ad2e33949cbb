package dev.arcfleet.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.migrate.Finding.Kind;

/** Offline import: `helm get values` of each release in, repositories.yaml and findings out. */
class RepositoriesFromValuesTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final RepositoriesFromValues.Settings SETTINGS = new RepositoriesFromValues.Settings("https://github.com",
            "arcfleet-github", "arcfleet", "arcfleet.github.credentials-namespace", "arc-runners");

    private static HelmRelease release(String name, String values) {
        try {
            return new HelmRelease(name, (ObjectNode) YAML.readTree(values));
        } catch (Exception e) {
            return fail(e);
        }
    }

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (Exception e) {
            return fail(e);
        }
    }

    private static RepositoriesFromValues.Result importing(HelmRelease... releases) {
        return RepositoriesFromValues.of(List.of(releases), SETTINGS);
    }

    private static List<Finding> findings(RepositoriesFromValues.Result result, Kind kind) {
        return result.findings().stream().filter(finding -> finding.kind() == kind).toList();
    }

    private static final String KUBERNETES_VALUES = """
            githubConfigUrl: https://github.com/acme/tools
            githubConfigSecret:
              github_token: ghp_neverPrinted
            minRunners: 0
            maxRunners: 2
            containerMode:
              type: kubernetes
              kubernetesModeWorkVolumeClaim:
                accessModes: ["ReadWriteOnce"]
                storageClassName: standard
                resources: {requests: {storage: 5Gi}}
            labels: {team: ci}
            template:
              spec:
                nodeSelector: {kubernetes.io/os: linux}
                containers:
                  - name: runner
                    image: ghcr.io/actions/actions-runner:2.321.0
                    command: ["/home/runner/run.sh"]
                    resources: {requests: {cpu: 500m}}
            """;

    @Test
    void releasesOfOneRepositoryBecomeItsInstances() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", KUBERNETES_VALUES),
                release("arc-runner-acme-tools-2", KUBERNETES_VALUES));

        assertEquals(yaml("""
                repositories:
                  - name: acme/tools
                    instances: 2
                    containerMode: kubernetes
                    runnerImage: ghcr.io/actions/actions-runner:2.321.0
                    minRunners: 0
                    maxRunners: 2
                    workVolumeClaimTemplate: {storageClassName: standard, accessModes: [ReadWriteOnce], storage: 5Gi}
                    labels: {team: ci}
                    template:
                      spec:
                        nodeSelector: {kubernetes.io/os: linux}
                        containers: [{name: runner, command: [/home/runner/run.sh], resources: {requests: {cpu: 500m}}}]
                """), result.repositories());
        RepositoryConfig repository = result.config().orElseThrow().repositories().get(0);
        assertEquals(List.of("arc-runner-acme-tools-1", "arc-runner-acme-tools-2"),
                repository.runnerSets().stream().map(set -> set.name()).toList());
        assertEquals(ContainerMode.KUBERNETES, repository.containerMode());
        // Credentials are never read back or printed; what to do instead is.
        assertFalse(result.toString().contains("ghp_neverPrinted"));
        List<Finding> toDo = findings(result, Kind.TO_DO);
        assertEquals(2, toDo.size(), result.findings().toString());
        assertTrue(toDo.get(0).text().contains("arcfleet-github"), toDo.get(0).text());
    }

    @Test
    void anOrganisationUrlKeepsTheSetNamesThroughInstallationName() {
        RepositoriesFromValues.Result result = importing(release("org-runners-1", """
                githubConfigUrl: https://github.com/acme
                githubConfigSecret: acme-app
                maxRunners: 5
                containerMode: {type: dind}
                """));

        assertEquals(yaml("""
                repositories:
                  - name: acme/org-runners
                    instances: 1
                    installationName: org-runners
                    githubConfigUrl: https://github.com/acme
                    containerMode: dind
                    maxRunners: 5
                    githubConfigSecret: acme-app
                """), result.repositories());
        assertEquals("org-runners-1", result.config().orElseThrow().runnerSets().get(0).name());
        assertTrue(findings(result, Kind.CHANGES_ON_HAND_OVER).stream()
                .anyMatch(finding -> finding.subject().equals("spec.githubConfigSecret")), result.findings().toString());
    }

    @Test
    void noContainerModeAndARunnerScaleSetName() {
        RepositoriesFromValues.Result result = importing(release("whatever", """
                githubConfigUrl: https://ghe.example.com/acme/web/
                githubConfigSecret: web-creds
                runnerScaleSetName: arc-runner-acme-web-1
                maxRunners: 1
                scaleSetLabels: [linux]
                proxy: {https: {url: "http://proxy:3128"}}
                """));

        assertEquals(yaml("""
                repositories:
                  - name: acme/web
                    instances: 1
                    githubConfigUrl: https://ghe.example.com/acme/web
                    containerMode: none
                    maxRunners: 1
                    githubConfigSecret: web-creds
                    runnerScaleSetLabels: [linux]
                    proxy: {https: {url: "http://proxy:3128"}}
                """), result.repositories());
    }

    @Test
    void whatCannotBeExpressedOrTheChartIgnoresIsReported() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", """
                githubConfigUrl: https://github.com/acme/tools
                githubConfigSecret: creds
                maxRunners: 1
                keyVault: {type: azure_key_vault}
                namespaceOverride: runners
                labels: {app.kubernetes.io/managed-by: me, team: ci}
                containerMode: {type: dind}
                template:
                  spec:
                    containers:
                      - {name: runner, image: ghcr.io/acme/runner:1, command: [/home/runner/run.sh]}
                      - {name: dind, image: docker:27-dind}
                """));

        assertEquals(List.of("keyVault"), findings(result, Kind.NOT_IMPORTED).stream().map(Finding::subject).toList());
        assertEquals(List.of("labels.app.kubernetes.io/managed-by", "template.spec.containers[dind]"),
                findings(result, Kind.IGNORED_BY_THE_CHART).stream().map(Finding::subject).sorted().toList());
        assertTrue(findings(result, Kind.TO_DO).stream().anyMatch(finding -> finding.subject().equals("namespaceOverride")));
        assertEquals(yaml("{team: ci}"), result.repositories().path("repositories").get(0).path("labels"));
        assertFalse(result.repositories().path("repositories").get(0).has("template"), result.repositories().toString());
        assertTrue(result.config().isPresent());
    }

    @Test
    void differingInstancesAndGapsAreNamed() {
        RepositoriesFromValues.Result result = importing(
                release("arc-runner-acme-tools-1", "githubConfigUrl: https://github.com/acme/tools\nmaxRunners: 1\n"),
                release("arc-runner-acme-tools-3", "githubConfigUrl: https://github.com/acme/tools\nmaxRunners: 4\n"));

        assertEquals(3, result.repositories().path("repositories").get(0).path("instances").asInt());
        List<String> changes = findings(result, Kind.CHANGES_ON_HAND_OVER).stream().map(Finding::toString).toList();
        assertTrue(changes.stream().anyMatch(change -> change.startsWith("arc-runner-acme-tools-3: changes on hand over: maxRunners")),
                changes.toString());
        assertTrue(changes.stream().anyMatch(change -> change.startsWith("arc-runner-acme-tools-2: changes on hand over: instances")),
                changes.toString());
    }

    @Test
    void aReleaseWithoutAnInstanceNumberKeepsItsName() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-set",
                "githubConfigUrl: https://github.com/acme/tools\nmaxRunners: 1\n"));

        assertEquals(yaml("[arc-runner-set]"), result.repositories().path("repositories").get(0).path("sets"));
        assertEquals(List.of("arc-runner-set"), setNames(result));
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    /**
     * A container list of the release's replaces the chart's, whose runner alone has a command: the runner keeps the
     * command it had, or has none, in the chart and after import alike.
     */
    @Test
    void theRunnersCommandIsImportedAsTheReleaseHadIt() {
        RepositoriesFromValues.Result result = importing(
                release("arc-runner-acme-tools-1", """
                        githubConfigUrl: https://github.com/acme/tools
                        maxRunners: 1
                        template: {spec: {containers: [{name: runner, image: ghcr.io/acme/entrypoint:1}]}}
                        """),
                release("arc-runner-acme-web-1", """
                        githubConfigUrl: https://github.com/acme/web
                        maxRunners: 1
                        template:
                          spec:
                            containers:
                              - {name: runner, image: ghcr.io/acme/entrypoint:1, command: [/home/runner/run.sh]}
                              - {name: sidecar, image: busybox}
                        """));

        JsonNode repositories = result.repositories().path("repositories");
        assertEquals(yaml("[{name: runner}]"), repositories.get(0).path("template").path("spec").path("containers"));
        assertEquals(yaml("[{name: runner, command: [/home/runner/run.sh]}, {name: sidecar, image: busybox}]"),
                repositories.get(1).path("template").path("spec").path("containers"));
        List<RepositoryConfig> parsed = result.config().orElseThrow().repositories();
        assertEquals(List.of(), parsed.get(0).chart().template().orElseThrow().getSpec().getContainers().get(0).getCommand());
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    /** Without a container mode the chart renders the release's containers alone, and so does arcfleet: no change. */
    @Test
    void noContainerModeAndNoRunnerContainerIsImportedAsItIs() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", """
                githubConfigUrl: https://github.com/acme/tools
                maxRunners: 1
                template: {spec: {containers: [{name: worker, image: ghcr.io/acme/worker:1}]}}
                """));

        assertEquals(yaml("[{name: worker, image: 'ghcr.io/acme/worker:1'}]"),
                result.repositories().path("repositories").get(0).path("template").path("spec").path("containers"));
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    @Test
    void controllerServiceAccountIsImportedForTheRepository() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", """
                githubConfigUrl: https://github.com/acme/tools
                maxRunners: 1
                controllerServiceAccount: {namespace: arc-tools, name: tools-controller}
                """));

        assertEquals(yaml("{namespace: arc-tools, name: tools-controller}"),
                result.repositories().path("repositories").get(0).path("controllerServiceAccount"));
        assertEquals(Optional.of("arc-tools"),
                result.config().orElseThrow().repositories().get(0).chart().controllerServiceAccount().namespace());
        assertEquals(List.of(), findings(result, Kind.TO_DO).stream().filter(finding -> finding.subject()
                .equals("controllerServiceAccount")).toList());
    }

    /**
     * The chart reads a Secret named in githubConfigSecret from the set's namespace (values.yaml lines 33-35 of 0.14.2),
     * arcfleet from its credentials namespace: import says which, and how to copy the release's there without
     * printing it.
     */
    @Test
    void aSecretByNameIsReadFromTheCredentialsNamespaceAndImportSaysHowToCopyIt() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-web-1", """
                githubConfigUrl: https://github.com/acme/web
                githubConfigSecret: web-creds
                maxRunners: 1
                """));

        List<Finding> toDo = findings(result, Kind.TO_DO);
        assertEquals(1, toDo.size(), result.findings().toString());
        assertEquals("githubConfigSecret", toDo.get(0).subject());
        assertEquals("arcfleet reads Secret web-creds from namespace arcfleet (arcfleet.github.credentials-namespace), not"
                + " the release's in arc-runners; copy it there first: kubectl -n arc-runners get secret web-creds -o json"
                + " | jq '{apiVersion, kind, type, data, metadata: {name: .metadata.name}}' | kubectl -n arcfleet apply -f -",
                toDo.get(0).text());

        RepositoriesFromValues.Result sameNamespace = RepositoriesFromValues.of(List.of(release("arc-runner-acme-web-1",
                "githubConfigUrl: https://github.com/acme/web\ngithubConfigSecret: web-creds\nmaxRunners: 1\n")),
                new RepositoriesFromValues.Settings("https://github.com", "arcfleet-github", "arc-runners", "arcfleet.namespace",
                        "arc-runners"));
        assertEquals(List.of("arcfleet reads Secret web-creds from namespace arc-runners (arcfleet.namespace), where the"
                + " release's is: nothing to copy"), findings(sameNamespace, Kind.TO_DO).stream().map(Finding::text).toList());
    }

    /** A release without maxRunners is unlimited to ARC; imported as arcfleet's default 1 it would cap the set. */
    @Test
    void aReleaseWithoutMaxRunnersStaysUnlimited() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1",
                "githubConfigUrl: https://github.com/acme/tools\n"));

        assertTrue(result.repositories().path("repositories").get(0).path("maxRunners").isNull(),
                result.repositories().toString());
        assertEquals(Optional.empty(), result.config().orElseThrow().repositories().get(0).maxRunners());
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    /** The daemon refuses the variable in kubernetes mode; imported as it is, the whole file would be invalid. */
    @Test
    void aReleasesOwnHookTemplateIsAFindingNotAnInvalidFile() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", """
                githubConfigUrl: https://github.com/acme/tools
                maxRunners: 2
                containerMode: {type: kubernetes}
                template:
                  spec:
                    containers:
                      - name: runner
                        command: [/home/runner/run.sh]
                        env:
                          - {name: ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE, value: /home/runner/job-template/content}
                          - {name: TEAM, value: ci}
                """));

        assertTrue(result.config().isPresent(), result.findings().toString());
        assertEquals(yaml("[{name: runner, command: [/home/runner/run.sh], env: [{name: TEAM, value: ci}]}]"),
                result.repositories().path("repositories").get(0).path("template").path("spec").path("containers"));
        List<Finding> lost = findings(result, Kind.NOT_IMPORTED);
        assertEquals(List.of("template.spec.containers[runner].env[ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE]"),
                lost.stream().map(Finding::subject).toList());
        assertTrue(lost.get(0).text().contains("kubectl get configmap arc-runner-acme-tools-1-hook-template -o yaml"),
                lost.get(0).text());
    }

    @Test
    void setsNumberedFromZeroKeepTheirNamesWithFirstIndexZero() {
        String values = "githubConfigUrl: https://github.com/acme/tools\nmaxRunners: 1\n";
        RepositoriesFromValues.Result result = importing(release("x-2", values), release("x-0", values),
                release("x-1", values));

        assertEquals(yaml("""
                repositories:
                  - name: acme/tools
                    instances: 3
                    firstIndex: 0
                    installationName: x
                    containerMode: none
                    maxRunners: 1
                """), result.repositories());
        assertEquals(List.of("x-0", "x-1", "x-2"), setNames(result));
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    /** A lone name ending in digits is a name: reading it as instance 42 would ask for 41 new scale sets. */
    @Test
    void aLoneNameEndingInDigitsIsNoIndex() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-svc-42",
                "githubConfigUrl: https://github.com/acme/svc-42\nmaxRunners: 1\n"));

        assertEquals(List.of("arc-runner-acme-svc-42"), setNames(result));
        assertFalse(result.repositories().path("repositories").get(0).has("instances"), result.repositories().toString());
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    @Test
    void siblingsNumberedFromBeyondOneKeepTheirNamesAsSets() {
        String values = "githubConfigUrl: https://github.com/acme/tools\nmaxRunners: 1\n";
        RepositoriesFromValues.Result result = importing(release("x-4", values), release("x-3", values));

        assertEquals(List.of("x-3", "x-4"), setNames(result));
        assertEquals(List.of(), findings(result, Kind.CHANGES_ON_HAND_OVER), result.findings().toString());
    }

    private static List<String> setNames(RepositoriesFromValues.Result result) {
        return result.config().orElseThrow().runnerSets().stream().map(RunnerSet::name).toList();
    }

    @Test
    void aTemplateTheDaemonWouldRefuseIsReportedAsToDo() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", """
                githubConfigUrl: https://github.com/acme/tools
                maxRunners: 1
                template: {spec: {nodeSelecter: {a: b}}}
                """));

        assertTrue(result.config().isEmpty());
        assertTrue(findings(result, Kind.TO_DO).stream().anyMatch(finding -> finding.subject().contains("nodeSelecter")),
                result.findings().toString());
    }

    @Test
    void aWorkVolumeClaimBeyondArcfleetsThreeFieldsBecomesTheTemplatesWorkVolume() {
        RepositoriesFromValues.Result result = importing(release("arc-runner-acme-tools-1", """
                githubConfigUrl: https://github.com/acme/tools
                maxRunners: 1
                containerMode:
                  type: kubernetes
                  kubernetesModeWorkVolumeClaim:
                    accessModes: [ReadWriteOnce]
                    volumeMode: Filesystem
                    resources: {requests: {storage: 1Gi}}
                """));

        assertEquals(yaml("""
                [{name: work, ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], volumeMode: Filesystem,
                  resources: {requests: {storage: 1Gi}}}}}}]
                """), result.repositories().path("repositories").get(0).path("template").path("spec").path("volumes"));
        assertTrue(result.config().isPresent(), result.findings().toString());
    }
}
