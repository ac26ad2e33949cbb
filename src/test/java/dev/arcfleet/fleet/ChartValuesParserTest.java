package dev.arcfleet.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ChartValues.GithubServerTls;
import dev.arcfleet.chart.ChartValues.ProxyServer;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.ResourceMetaTarget;
import io.fabric8.kubernetes.api.model.Quantity;

/** The chart values a repository can set: accepted as the chart accepts them, refused where the chart would drop them. */
class ChartValuesParserTest {

    private final FleetConfigParser parser = new FleetConfigParser();

    private RepositoryConfig repository(String fields) {
        try {
            return parser.parse("repositories:\n  - name: acme/widgets\n" + fields.indent(4)).repositories().get(0);
        } catch (InvalidFleetConfigException e) {
            return fail("expected a valid config, got: " + e.problems());
        }
    }

    private List<String> problems(String fields) {
        InvalidFleetConfigException e = assertThrows(InvalidFleetConfigException.class,
                () -> parser.parse("repositories:\n  - name: acme/widgets\n" + fields.indent(4)));
        return e.problems();
    }

    private void singleProblem(String fields, String... fragments) {
        List<String> problems = problems(fields);
        assertEquals(1, problems.size(), "expected one problem, got " + problems);
        for (String fragment : fragments) {
            assertTrue(problems.get(0).contains(fragment), "'" + problems.get(0) + "' should contain '" + fragment + "'");
        }
    }

    @Test
    void nothingSetIsTheChartsDefaults() {
        assertEquals(ChartValues.NONE, repository("").chart());
    }

    /** The chart's {@code controllerServiceAccount}, per repository, from {@code defaults} unless the repository gives one. */
    @Test
    void controllerServiceAccountIsARepositorysOrItsDefaults() throws Exception {
        List<RepositoryConfig> repositories = parser.parse("""
                defaults:
                  controllerServiceAccount: {namespace: arc-systems, name: arc-gha-rs-controller}
                repositories:
                  - name: acme/widgets
                  - name: acme/tools
                    controllerServiceAccount: {namespace: arc-tools, name: tools-controller}
                  - name: acme/web
                    controllerServiceAccount: {name: web-controller}
                """).repositories();
        assertEquals(new ChartValues.ControllerServiceAccount(Optional.of("arc-gha-rs-controller"), Optional.of("arc-systems")),
                repositories.get(0).chart().controllerServiceAccount());
        assertEquals(new ChartValues.ControllerServiceAccount(Optional.of("tools-controller"), Optional.of("arc-tools")),
                repositories.get(1).chart().controllerServiceAccount());
        // A repository's value replaces the defaults' as a whole, as every chart value's does.
        assertEquals(new ChartValues.ControllerServiceAccount(Optional.of("web-controller"), Optional.empty()),
                repositories.get(2).chart().controllerServiceAccount());
        assertEquals(ChartValues.ControllerServiceAccount.FOUND, repository("").chart().controllerServiceAccount());
        singleProblem("controllerServiceAccount: {name: Not_A_Name}\n", "controllerServiceAccount.name");
        singleProblem("controllerServiceAccount: {namespace: arc.systems}\n", "controllerServiceAccount.namespace");
        singleProblem("controllerServiceAccount: {account: x}\n", "controllerServiceAccount");
    }

    @Test
    void templateIsReadIntoThePodModel() {
        ChartValues chart = repository("""
                template:
                  metadata:
                    annotations: {karpenter.sh/do-not-disrupt: "true"}
                  spec:
                    nodeSelector: {kubernetes.io/arch: amd64}
                    priorityClassName: ci
                    securityContext: {fsGroup: 123}
                    containers:
                      - name: runner
                        resources: {limits: {cpu: "2", memory: 4Gi}}
                        env: [{name: EXTRA, value: "1"}]
                """).chart();
        var template = chart.template().orElseThrow();
        assertEquals(Map.of("karpenter.sh/do-not-disrupt", "true"), template.getMetadata().getAnnotations());
        assertEquals("ci", template.getSpec().getPriorityClassName());
        assertEquals(123L, template.getSpec().getSecurityContext().getFsGroup());
        assertEquals(new Quantity("4Gi"), template.getSpec().getContainers().get(0).getResources().getLimits().get("memory"));
    }

    @Test
    void anUnknownTemplateFieldIsNamedWithItsPath() {
        singleProblem("""
                template:
                  spec:
                    nodeSelecter: {a: b}
                """, "repository acme/widgets: template.spec.nodeSelecter", "unknown field");
        singleProblem("""
                template:
                  spec:
                    containers:
                      - name: runner
                        resources: {limits: {cpu: "1"}}
                        envv: []
                """, "template.spec.containers[0].envv", "unknown field");
        singleProblem("""
                template:
                  spec:
                    tolerations: [{key: a, operater: Exists}]
                """, "template.spec.tolerations[0].operater");
    }

    @Test
    void aWrongTypeInTheTemplateIsNamedWithoutItsValue() {
        List<String> problems = problems("""
                template:
                  spec:
                    containers:
                      - name: sidecar
                        image: busybox
                        env: [{name: TOKEN, value: {secret: ghp_doNotEcho}}]
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("template.spec.containers[0].env[0].value"), problems.toString());
        assertFalse(problems.get(0).contains("ghp_doNotEcho"), problems.toString());
    }

    @Test
    void templateMetadataTakesOnlyLabelsAndAnnotations() {
        singleProblem("template:\n  metadata: {name: x}\n", "template.metadata.name", "unknown key");
    }

    @Test
    void theRunnerImageIsSetOnceAsRunnerImage() {
        singleProblem("""
                template:
                  spec:
                    containers: [{name: runner, image: ghcr.io/acme/runner:2}]
                """, "template.spec.containers[0].image", "set runnerImage instead");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "dind|containers|dind|the dind mode's own container",
        "dind|initContainers|init-dind-externals|the dind mode's own container",
    })
    void dindModeContainersAreNotOverridden(String mode, String list, String name, String message) {
        singleProblem("containerMode: " + mode + "\ntemplate:\n  spec:\n    " + list + ": [{name: " + name
                + ", image: x}]\n", "template.spec." + list + "[0].name", message);
    }

    @Test
    void volumesArcfleetAddsCannotBeReplaced() {
        singleProblem("template:\n  spec:\n    volumes: [{name: cache-cache, emptyDir: {}}]\n",
                "template.spec.volumes[0].name", "arcfleet adds");
        singleProblem("template:\n  spec:\n    volumes: [{name: hook-template, emptyDir: {}}]\n",
                "template.spec.volumes[0].name", "arcfleet adds");
        singleProblem("containerMode: dind\ntemplate:\n  spec:\n    volumes: [{name: dind-sock, emptyDir: {}}]\n",
                "template.spec.volumes[0].name", "dind mode adds");
        // The work volume replaces the mode's own, as in the chart.
        assertEquals("work", repository("template:\n  spec:\n    volumes: [{name: work, emptyDir: {}}]\n").chart()
                .template().orElseThrow().getSpec().getVolumes().get(0).getName());
    }

    @Test
    void theHookTemplateVariableIsArcfleets() {
        singleProblem("""
                template:
                  spec:
                    containers: [{name: runner, env: [{name: ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE, value: /x}]}]
                """, "template.spec.containers[0].env", "arcfleet's");
        assertEquals(1, repository("""
                containerMode: dind
                template:
                  spec:
                    containers: [{name: runner, env: [{name: ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE, value: /x}]}]
                """).chart().template().orElseThrow().getSpec().getContainers().get(0).getEnv().size());
    }

    @Test
    void githubConfigUrlForAnOrganisationOrEnterprise() {
        assertEquals(Optional.of("https://github.com/acme"), repository("githubConfigUrl: https://github.com/acme/\n").chart()
                .githubConfigUrl());
        assertEquals(Optional.of("https://ghe.example.com/enterprises/acme"),
                repository("githubConfigUrl: https://ghe.example.com/enterprises/acme\n").chart().githubConfigUrl());
        singleProblem("githubConfigUrl: github.com/acme\n", "githubConfigUrl", "https URL");
        singleProblem("githubConfigUrl: https://github.com\n", "githubConfigUrl", "https URL");
        List<String> problems = problems("githubConfigUrl: https://x:ghp_secret@github.com/acme\n");
        assertEquals(1, problems.size());
        assertFalse(problems.get(0).contains("ghp_secret"), problems.get(0));
    }

    @Test
    void containerModeNone() {
        RepositoryConfig none = repository("containerMode: none\n");
        assertEquals(ContainerMode.NONE, none.containerMode());
        assertFalse(none.containerMode().usesKubeModeServiceAccount());
    }

    @Test
    void dindImageAndArgs() {
        ChartValues chart = repository("""
                containerMode: dind
                dind: {image: docker:27-dind, args: [dockerd, --host=unix:///var/run/docker.sock, --mtu=1400]}
                """).chart();
        assertEquals(new ChartValues.Dind("docker:27-dind",
                List.of("dockerd", "--host=unix:///var/run/docker.sock", "--mtu=1400")), chart.dind());
        assertEquals(ChartValues.CHART_DIND.args(), repository("containerMode: dind\ndind: {image: docker:27-dind}\n")
                .chart().dind().args());
        singleProblem("dind: {image: docker:27-dind}\n", "dind", "only used in containerMode dind");
    }

    @Test
    void defaultsThatDoNotApplyToAModeAreNotUsedForIt() {
        try {
            FleetConfig config = parser.parse("""
                    defaults:
                      dind: {image: docker:27-dind}
                      kubernetesModeAdditionalRoleRules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
                    repositories:
                      - name: acme/widgets
                        containerMode: dind
                      - name: acme/gadgets
                    """);
            assertEquals("docker:27-dind", config.repositories().get(0).chart().dind().image());
            assertEquals(1, config.repositories().get(1).chart().kubernetesModeAdditionalRoleRules().size());
        } catch (InvalidFleetConfigException e) {
            fail(e.problems().toString());
        }
    }

    @Test
    void kubernetesModeAdditionalRoleRules() {
        ChartValues chart = repository("""
                kubernetesModeAdditionalRoleRules:
                  - {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
                """).chart();
        assertEquals(List.of("configmaps"), chart.kubernetesModeAdditionalRoleRules().get(0).getResources());
        singleProblem("containerMode: dind\nkubernetesModeAdditionalRoleRules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n",
                "kubernetesModeAdditionalRoleRules", "only used in containerMode kubernetes");
        singleProblem("kubernetesModeAdditionalRoleRules: [{apiGroups: [''], resources: [pods], verbz: [get]}]\n",
                "kubernetesModeAdditionalRoleRules[0].verbz", "unknown field");
        singleProblem("kubernetesModeAdditionalRoleRules: [{nonResourceURLs: [/healthz], resources: [x], verbs: [get]}]\n",
                "nonResourceURLs", "ClusterRole");
        singleProblem("""
                kubernetesModeAdditionalRoleRules: [{apiGroups: [''], resources: [pods], verbs: [get]}]
                template: {spec: {serviceAccountName: my-runner}}
                """, "kubernetesModeAdditionalRoleRules", "no Role to add them to");
    }

    @Test
    void labelsAndAnnotations() {
        ChartValues chart = repository("""
                labels: {team: ci, example.com/cost-centre: "42"}
                annotations: {example.com/owner: "ci@example.com"}
                """).chart();
        assertEquals(Map.of("team", "ci", "example.com/cost-centre", "42"), chart.labels());
        assertEquals(Map.of("example.com/owner", "ci@example.com"), chart.annotations());
        singleProblem("labels: {app.kubernetes.io/managed-by: me}\n", "labels.app.kubernetes.io/managed-by", "reserved");
        singleProblem("labels: {actions.github.com/scale-set-name: x}\n", "reserved");
        singleProblem("annotations: {actions.github.com/values-hash: x}\n", "reserved");
        singleProblem("annotations: {arcfleet.dev/desired-hash: x}\n", "reserved");
        singleProblem("labels: {team: 42}\n", "labels.team", "must be a string");
        singleProblem("labels: {team: has spaces}\n", "labels.team", "not a valid label value");
        singleProblem("labels: {'bad key!': x}\n", "not a valid label key");
    }

    @Test
    void resourceMeta() {
        ChartValues chart = repository("""
                resourceMeta:
                  kubernetesModeServiceAccount:
                    annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::1:role/ci"}
                  autoscalingListener:
                    labels: {team: ci}
                """).chart();
        assertEquals(Map.of("eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/ci"),
                chart.resourceMeta(ResourceMetaTarget.KUBERNETES_MODE_SERVICE_ACCOUNT).annotations());
        assertEquals(Map.of("team", "ci"), chart.resourceMeta(ResourceMetaTarget.AUTOSCALING_LISTENER).labels());
        singleProblem("resourceMeta: {kubernetesModeRol: {labels: {a: b}}}\n", "resourceMeta.kubernetesModeRol", "unknown key");
        singleProblem("resourceMeta: {managerRole: {labels: {helm.sh/chart: x}}}\n", "reserved");
    }

    @Test
    void listenerTemplateAndMetrics() {
        ChartValues chart = repository("""
                listenerTemplate:
                  spec:
                    nodeSelector: {pool: system}
                    containers: [{name: listener, resources: {requests: {cpu: 100m}}}]
                listenerMetrics:
                  counters:
                    gha_started_jobs_total: {labels: [repository]}
                  histograms:
                    gha_job_startup_duration_seconds: {labels: [repository], buckets: [0.5, 1, 5]}
                """).chart();
        assertEquals("system", chart.listenerTemplate().orElseThrow().getSpec().getNodeSelector().get("pool"));
        assertEquals(Map.of("gha_started_jobs_total", Map.of("labels", List.of("repository"))),
                chart.listenerMetrics().orElseThrow().get("counters"));
        singleProblem("listenerMetrics: {counter: {}}\n", "listenerMetrics.counter", "unknown key");
        singleProblem("listenerMetrics: {gauges: {gha_busy_runners: {labels: [name], buckets: [1]}}}\n",
                "listenerMetrics.gauges.gha_busy_runners.buckets", "unknown key");
        singleProblem("listenerMetrics: {histograms: {h: {labels: [], buckets: [fast]}}}\n", "buckets", "numbers");
        singleProblem("listenerTemplate: {spec: {nodeSelecter: {}}}\n", "listenerTemplate.spec.nodeSelecter", "unknown field");
    }

    @Test
    void githubServerTls() {
        assertEquals(Optional.of(new GithubServerTls("ghes-ca", "ca.crt", Optional.of("/usr/local/share/ca-certificates"))),
                repository("""
                        githubServerTLS:
                          certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}
                          runnerMountPath: /usr/local/share/ca-certificates/
                        """).chart().githubServerTls());
        singleProblem("githubServerTLS: {runnerMountPath: /x}\n", "githubServerTLS.certificateFrom", "required");
        singleProblem("githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca}}}\n", "configMapKeyRef.key",
                "required");
    }

    @Test
    void proxy() {
        ChartValues chart = repository("""
                proxy:
                  http: {url: "http://proxy.example.com:3128", credentialSecretRef: proxy-auth}
                  https: {url: "http://proxy.example.com:3128"}
                  noProxy: [example.com]
                """).chart();
        assertEquals(Optional.of(new ProxyServer("http://proxy.example.com:3128", Optional.of("proxy-auth"))),
                chart.proxy().orElseThrow().http());
        assertEquals(List.of("example.com"), chart.proxy().orElseThrow().noProxy());
        List<String> problems = problems("proxy: {http: {url: 'http://user:s3cret@proxy:3128'}}\n");
        assertEquals(1, problems.size());
        assertFalse(problems.get(0).contains("s3cret"), problems.get(0));
        singleProblem("proxy: {http: {credentialSecretRef: proxy-auth}}\n", "proxy.http.url", "required");
    }

    @Test
    void runnerScaleSetLabels() {
        assertEquals(List.of("linux", "gpu"), repository("runnerScaleSetLabels: [linux, gpu]\n").chart().runnerScaleSetLabels());
        singleProblem("runnerScaleSetLabels: ['']\n", "runnerScaleSetLabels", "1 to 255");
    }

    /** The chart's own key, as a values file has it, means the same. */
    @Test
    void scaleSetLabelsIsTheChartsNameForRunnerScaleSetLabels() {
        assertEquals(List.of("linux", "gpu"), repository("scaleSetLabels: [linux, gpu]\n").chart().runnerScaleSetLabels());
        singleProblem("scaleSetLabels: ['']\n", "scaleSetLabels", "1 to 255");
        singleProblem("scaleSetLabels: [linux]\nrunnerScaleSetLabels: [linux]\n", "scaleSetLabels",
                "give one of the two");
    }

    @Test
    void aRepositoryValueReplacesTheDefaultsValueAsAWhole() {
        try {
            RepositoryConfig repository = parser.parse("""
                    defaults:
                      labels: {team: ci}
                      template: {spec: {nodeSelector: {pool: ci}}}
                    repositories:
                      - name: acme/widgets
                        labels: {owner: web}
                    """).repositories().get(0);
            assertEquals(Map.of("owner", "web"), repository.chart().labels());
            assertEquals(Map.of("pool", "ci"), repository.chart().template().orElseThrow().getSpec().getNodeSelector());
        } catch (InvalidFleetConfigException e) {
            fail(e.problems().toString());
        }
    }

    @Test
    void versionRequirementsNameTheFieldAndTheVersion() {
        RepositoryConfig repository = repository("""
                runnerScaleSetLabels: [gpu]
                resourceMeta: {ephemeralRunner: {labels: {team: ci}}, managerRole: {labels: {team: ci}}}
                """);
        List<String> unmet = ArcRequirements.unmet(repository, "0.13.1");
        assertEquals(2, unmet.size(), unmet.toString());
        assertTrue(unmet.get(0).contains("runnerScaleSetLabels") && unmet.get(0).contains("needs ARC 0.14 or later")
                && unmet.get(0).contains("runs 0.13.1"), unmet.get(0));
        assertTrue(unmet.get(1).contains("resourceMeta.ephemeralRunner (spec.ephemeralRunnerMetadata)"), unmet.get(1));
        assertEquals(List.of(), ArcRequirements.unmet(repository, "0.14.0"));
        assertEquals(List.of(), ArcRequirements.unmet(repository("resourceMeta: {managerRole: {labels: {a: b}}}\n"), "0.13.0"));
    }
}
