package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcController;
import dev.arcfleet.chart.ReservedKeys;
import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Each chart value arcfleet takes, rendered by arcfleet and compared with what ARC's {@code gha-runner-scale-set}
 * chart renders for the same values. The expected objects, in the golden files under
 * {@code src/test/resources/dev/arcfleet/render/golden/ChartValuesRenderTest/}, were written by hand from the chart's
 * templates ({@code autoscalingrunnerset.yaml}, {@code _helpers.tpl}, the RBAC templates) of 0.13.0 to 0.14.2, which
 * render these values alike, for a Kubernetes 1.30 cluster. Each case gives the chart values as a comment. Goldens
 * rewritten with {@code -Darcfleet.goldens.update=true} hold arcfleet's rendering, not the chart's: check what
 * {@code git diff} shows against the chart before committing it.
 *
 * <p>arcfleet's own additions are taken out of its output before comparing, and nothing else: the cache volumes
 * and mounts, the container hooks' template (its variable, mount and volume), the {@code arcfleet.dev/} labels and
 * annotations, {@code app.kubernetes.io/managed-by} and the chart's {@code helm.sh/chart}, and the values-hash,
 * which hashes different input by design.
 */
class ChartValuesRenderTest {

    private static final String SET = "arc-runner-acme-widgets-1";
    private static final ArcController CONTROLLER = new ArcController("0.14.2", "arc-gha-rs-controller", "arc-systems");
    private static final String OWNER = "arc-runners.arcfleet-repositories";
    private static final ClusterFacts FACTS = new ClusterFacts("arc-runners", "https://github.com", CONTROLLER, 30,
            "/tmp/github-runner-cache", OWNER);
    private static final ClusterFacts OLD_KUBERNETES = new ClusterFacts("arc-runners", "https://github.com", CONTROLLER, 28,
            "/tmp/github-runner-cache", OWNER);
    private static final GithubCredentials TOKEN = new GithubCredentials.Token("ghp_test");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    // ---------------------------------------------------------------- template

    static Stream<Arguments> template() {
        return Stream.of(
                // containerMode: {type: kubernetes, kubernetesModeWorkVolumeClaim: {accessModes: [ReadWriteOnce],
                //   resources: {requests: {storage: 10Gi}}}}
                // template: the same as arcfleet's in the golden, with the image in the runner container
                Arguments.of("kubernetes",
                        "kubernetes mode: scalars set, containers, init containers, env, mounts and volumes appended", """
                        template:
                          metadata:
                            annotations: {karpenter.sh/do-not-disrupt: "true"}
                          spec:
                            nodeSelector: {kubernetes.io/arch: amd64}
                            tolerations: [{key: ci, operator: Exists, effect: NoSchedule}]
                            initContainers: [{name: prepare, image: busybox, command: [sh, -c, "true"]}]
                            containers:
                              - name: runner
                                command: [/home/runner/run.sh]
                                resources: {requests: {cpu: "1"}, limits: {memory: 4Gi}}
                                env: [{name: EXTRA, value: "yes"}]
                                volumeMounts: [{name: scratch, mountPath: /scratch}]
                              - {name: sidecar, image: busybox}
                            volumes: [{name: scratch, emptyDir: {}}]
                        """),
                // containerMode: {type: dind}; template: the same as arcfleet's in the golden, with the image
                Arguments.of("dind", "dind mode: a user work volume replaces the mode's, a user DOCKER_HOST the mode's", """
                        containerMode: dind
                        template:
                          spec:
                            priorityClassName: ci
                            imagePullSecrets: [{name: registry}]
                            securityContext: {fsGroup: 123}
                            containers:
                              - name: runner
                                command: [/home/runner/run.sh]
                                env: [{name: DOCKER_HOST, value: "tcp://localhost:2375"}]
                            volumes:
                              - name: work
                                ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}}}
                        """),
                // containerMode: {type: kubernetes-novolume}; template: the same, image ghcr.io/acme/runner:3 in runner
                Arguments.of("kubernetes-novolume",
                        "kubernetes-novolume mode: the user's ServiceAccount, restartPolicy and a user ACTIONS_RUNNER_IMAGE", """
                        containerMode: kubernetes-novolume
                        runnerImage: ghcr.io/acme/runner:3
                        template:
                          spec:
                            serviceAccountName: ci-runner
                            restartPolicy: OnFailure
                            containers:
                              - name: runner
                                command: [/home/runner/run.sh, --once]
                                env: [{name: ACTIONS_RUNNER_IMAGE, value: ghcr.io/acme/job:1}]
                                volumeMounts: [{name: tmp, mountPath: /tmp}]
                            volumes: [{name: tmp, emptyDir: {medium: Memory}}]
                        """));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void template(String golden, String description, String fields) {
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, render(fields), "AutoscalingRunnerSet/" + SET, "spec.template");
        assertGolden("template-" + golden, actual);
    }

    @Test
    void aUserServiceAccountReplacesTheModesAsInTheChart() {
        DesiredRunnerSet kube = render("template: {spec: {serviceAccountName: ci-runner}}\n");
        DesiredRunnerSet dind = render("containerMode: dind\ntemplate: {spec: {serviceAccountName: ci-runner}}\n");
        // kube_mode_*.yaml and no_permission_serviceaccount.yaml render nothing; the cleanup annotations name neither.
        ObjectNode actual = JSON.createObjectNode();
        for (DesiredRunnerSet desired : List.of(kube, dind)) {
            assertEquals(List.of("Role/" + SET + "-gha-rs-manager", "RoleBinding/" + SET + "-gha-rs-manager",
                    "Secret/" + SET + "-gha-rs-github-secret"), chartObjects(desired));
            String mode = desired == kube ? "kubernetes" : "dind";
            actual.set(mode + ": AutoscalingRunnerSet/" + SET + " metadata.annotations",
                    withoutArcfleetAdditions(json(desired.autoscalingRunnerSet()).path("metadata").path("annotations")));
        }
        assertGolden("aUserServiceAccountReplacesTheModesAsInTheChart", actual);
    }

    /**
     * The runner's command is the chart's values.yaml's ({@code template.spec.containers[0].command}, values.yaml line
     * 420 of 0.14.2, 417 of 0.13.0). A template with containers of its own replaces that list, as Helm replaces lists,
     * and each mode copies only the user's keys of the runner: {@code range $key, $val := $container} in
     * {@code _helpers.tpl} of 0.14.2, {@code dind-runner-container} lines 216-222, {@code
     * kubernetes-mode-runner-container} 305-311, {@code kubernetes-novolume-mode-runner-container} 396-406 and
     * {@code default-mode-runner-containers} 495-504. A template without containers keeps the chart's list, and so
     * its command.
     */
    @ParameterizedTest
    @ValueSource(strings = { "kubernetes", "kubernetes-novolume", "dind", "none" })
    void aRunnerWithoutACommandRendersNoneAsInTheChart(String mode) {
        JsonNode own = runnerContainer(render("containerMode: " + mode + "\n"
                + "template: {spec: {containers: [{name: runner, env: [{name: EXTRA, value: 'yes'}]}]}}\n"));
        assertTrue(own.path("command").isMissingNode(), mode + ": " + own);
        JsonNode chartList = runnerContainer(render("containerMode: " + mode + "\n"
                + "template: {spec: {nodeSelector: {kubernetes.io/arch: amd64}}}\n"));
        assertEquals(yaml("[/home/runner/run.sh]"), chartList.path("command"), mode);
    }

    private static JsonNode runnerContainer(DesiredRunnerSet desired) {
        for (JsonNode container : at(desired, "AutoscalingRunnerSet/" + SET, "spec.template.spec.containers")) {
            if (container.path("name").asText().equals("runner")) {
                return container;
            }
        }
        return fail("no runner container");
    }

    /**
     * manager_role_binding.yaml lines 40-43 (0.14.2) bind {@code managerServiceAccountName} and {@code …Namespace};
     * _helpers.tpl lines 567-574 and 624-631 take each from {@code controllerServiceAccount} when it is given there,
     * else from the controller's Deployment, which arcfleet has found ({@code CONTROLLER}).
     */
    @Test
    void controllerServiceAccountIsBoundByTheManagerRoleBinding() {
        assertRendersAsTheChart(runnerSet("controllerServiceAccount: {namespace: arc-tools, name: tools-controller}\n"),
                "RoleBinding/" + SET + "-gha-rs-manager", "subjects",
                yaml("[{kind: ServiceAccount, name: tools-controller, namespace: arc-tools}]"));
        assertRendersAsTheChart(runnerSet("controllerServiceAccount: {name: tools-controller}\n"),
                "RoleBinding/" + SET + "-gha-rs-manager", "subjects",
                yaml("[{kind: ServiceAccount, name: tools-controller, namespace: arc-systems}]"));
        assertRendersAsTheChart(runnerSet(""), "RoleBinding/" + SET + "-gha-rs-manager", "subjects",
                yaml("[{kind: ServiceAccount, name: arc-gha-rs-controller, namespace: arc-systems}]"));
    }

    // ---------------------------------------------------------------- githubConfigUrl

    @ParameterizedTest
    @MethodSource
    void githubConfigUrl(String url, String chartUrl) {
        // githubConfigUrl: <url>; the chart renders it with trimSuffix "/".
        assertRendersAsTheChart(runnerSet("githubConfigUrl: " + url + "\n"), "spec.githubConfigUrl", "\"" + chartUrl + "\"");
    }

    static Stream<Arguments> githubConfigUrl() {
        return Stream.of(
                Arguments.of("https://github.com/acme", "https://github.com/acme"),
                Arguments.of("https://github.com/enterprises/acme-corp", "https://github.com/enterprises/acme-corp"),
                Arguments.of("https://ghe.example.com/acme/widgets/", "https://ghe.example.com/acme/widgets"));
    }

    // ---------------------------------------------------------------- containerMode none

    static Stream<Arguments> containerModeNone() {
        return Stream.of(
                // no containerMode, no template: the chart's values.yaml runner container
                Arguments.of("default", "the chart's default: the runner container alone", "containerMode: none\n"),
                // template.spec: rootless dind as in ARC's documentation, containers in this order
                Arguments.of("rootless-dind", "rootless dind of the user's own: containers keep their order", """
                        containerMode: none
                        runnerImage: ghcr.io/acme/runner:2
                        template:
                          spec:
                            initContainers:
                              - name: init-dind-rootless
                                image: ghcr.io/acme/runner:2
                                command: [sh, -c, "mkdir -p /home/runner/.local/share/docker"]
                                volumeMounts: [{name: dind-home, mountPath: /home/runner}]
                            containers:
                              - name: dind
                                image: docker:dind-rootless
                                args: [dockerd, --host=unix:///run/user/1001/docker.sock]
                                securityContext: {privileged: true, runAsUser: 1001}
                                volumeMounts: [{name: dind-sock, mountPath: /run/user/1001}]
                              - name: runner
                                command: [/home/runner/run.sh]
                                env: [{name: DOCKER_HOST, value: "unix:///run/user/1001/docker.sock"}]
                                volumeMounts: [{name: dind-sock, mountPath: /run/user/1001}]
                            volumes:
                              - {name: dind-sock, emptyDir: {}}
                              - {name: dind-home, emptyDir: {}}
                        """),
                // githubServerTLS with runnerMountPath, no containerMode: the TLS volume comes first
                Arguments.of("github-server-tls", "the CA certificate mounted into the runner, after the user's env and mounts", """
                        containerMode: none
                        githubServerTLS:
                          certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}
                          runnerMountPath: /usr/local/share/ca-certificates/
                        template:
                          spec:
                            containers:
                              - name: runner
                                command: [/home/runner/run.sh]
                                env: [{name: RUNNER_UPDATE_CA_CERTS, value: "0"}]
                                volumeMounts: [{name: data, mountPath: /data}]
                            volumes: [{name: data, emptyDir: {}}]
                        """));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void containerModeNone(String golden, String description, String fields) {
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, render(fields), "AutoscalingRunnerSet/" + SET, "spec.template");
        assertGolden("containerModeNone-" + golden, actual);
    }

    /**
     * Without containerMode the chart renders {@code default-mode-runner-containers} (autoscalingrunnerset.yaml lines
     * 268-269 of 0.14.2), which ranges over {@code template.spec.containers} and nothing else (_helpers.tpl lines
     * 493-497): a list of the user's without a runner renders no runner. Without containers of the user's the list is
     * values.yaml's (lines 416-420), the runner alone.
     */
    @Test
    void containerModeNoneWithoutARunnerInTheUsersContainersRendersNone() {
        DesiredRunnerSet own = render("""
                containerMode: none
                template: {spec: {containers: [{name: worker, image: ghcr.io/acme/worker:1}, {name: proxy, image: envoy}]}}
                """);
        assertEquals(yaml("[{name: worker, image: 'ghcr.io/acme/worker:1'}, {name: proxy, image: envoy}]"),
                withoutArcfleetAdditions(at(own, "AutoscalingRunnerSet/" + SET, "spec.template.spec.containers")));
        DesiredRunnerSet chartList = render("containerMode: none\ntemplate: {spec: {nodeSelector: {kubernetes.io/arch: amd64}}}\n");
        assertEquals(yaml("[{name: runner, image: 'ghcr.io/actions/actions-runner:latest', command: [/home/runner/run.sh]}]"),
                withoutArcfleetAdditions(at(chartList, "AutoscalingRunnerSet/" + SET, "spec.template.spec.containers")));
    }

    @Test
    void containerModeNoneHasTheNoPermissionServiceAccountAndItsCleanupAnnotation() {
        DesiredRunnerSet desired = render("containerMode: none\n");
        assertEquals(List.of("ServiceAccount/" + SET + "-gha-rs-no-permission", "Role/" + SET + "-gha-rs-manager",
                "RoleBinding/" + SET + "-gha-rs-manager", "Secret/" + SET + "-gha-rs-github-secret"), chartObjects(desired));
        assertEquals(SET + "-gha-rs-no-permission", desired.autoscalingRunnerSet().getMetadata().getAnnotations()
                .get("actions.github.com/cleanup-no-permission-service-account-name"));
    }

    // ---------------------------------------------------------------- dind image and args

    /**
     * The chart has no value for the dind sidecar's image or args: its documented way is no containerMode and the
     * whole dind pod as {@code template}. arcfleet's {@code dind} must render what the chart renders for that.
     */
    static Stream<Arguments> dindImageAndArgs() {
        return Stream.of(
                Arguments.of("image", "an image", "dind: {image: 'docker:27-dind'}\n", FACTS),
                Arguments.of("image-and-args", "an image and args", "dind: {image: 'mirror.example.com/docker:dind', args: [dockerd,"
                        + " --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID), --mtu=1400]}\n", FACTS),
                Arguments.of("args-kubernetes-1.28", "args before Kubernetes 1.29, no native sidecar", "dind: {args: [dockerd,"
                        + " --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID), --registry-mirror=https://m]}\n",
                        OLD_KUBERNETES));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void dindImageAndArgs(String golden, String description, String fields, ClusterFacts facts) {
        // The chart's values for it: no containerMode, and the golden's spec as template, which the chart renders
        // as it is but for restartPolicy and serviceAccountName.
        DesiredRunnerSet desired = RunnerSetRenderer.render(runnerSet("containerMode: dind\n" + fields), facts, TOKEN);
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, desired, "AutoscalingRunnerSet/" + SET, "spec.template.spec");
        assertGolden("dindImageAndArgs-" + golden, actual);
    }

    // ---------------------------------------------------------------- kubernetesModeAdditionalRoleRules

    static Stream<Arguments> kubernetesModeAdditionalRoleRules() {
        return Stream.of(
                Arguments.of("kubernetes-configmaps", "kubernetes", """
                        - apiGroups: [""]
                          resources: [configmaps]
                          verbs: [get, list, watch]
                        """),
                Arguments.of("kubernetes-novolume", "kubernetes-novolume", """
                        - {apiGroups: [""], resources: [persistentvolumeclaims], verbs: [get, create, delete]}
                        - {apiGroups: [apps], resources: [deployments], verbs: [get]}
                        """),
                Arguments.of("kubernetes-secret-names", "kubernetes", """
                        - apiGroups: [""]
                          resources: [secrets]
                          resourceNames: [registry-credentials]
                          verbs: [get]
                        """));
    }

    @ParameterizedTest
    @MethodSource
    void kubernetesModeAdditionalRoleRules(String golden, String mode, String rules) {
        // containerMode: {type: <mode>, kubernetesModeAdditionalRoleRules: <rules>}: kube_mode_role.yaml appends them
        // to the mode's own rules.
        RunnerSet set = runnerSet("containerMode: " + mode + "\nkubernetesModeAdditionalRoleRules:\n" + rules.indent(2));
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, RunnerSetRenderer.render(set, FACTS, TOKEN), "Role/" + SET + "-gha-rs-kube-mode", "rules");
        assertGolden("kubernetesModeAdditionalRoleRules-" + golden, actual);
    }

    // ---------------------------------------------------------------- labels and annotations

    static Stream<Arguments> labelsAndAnnotations() {
        return Stream.of(
                // labels: {team: ci, example.com/cost-centre: "42"}
                Arguments.of("labels", "labels: {team: ci, example.com/cost-centre: '42'}\n"),
                // annotations: {example.com/owner: ci@example.com}
                Arguments.of("annotations", "annotations: {example.com/owner: ci@example.com}\n"),
                // labels, annotations and resourceMeta: {autoscalingRunnerSet: ..., kubernetesModeServiceAccount: ...,
                //   githubConfigSecret: ...}
                Arguments.of("resourceMeta", """
                        labels: {team: ci}
                        annotations: {example.com/owner: ci}
                        resourceMeta:
                          autoscalingRunnerSet: {labels: {tier: runners}, annotations: {example.com/ars: "yes"}}
                          kubernetesModeServiceAccount: {annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::1:role/ci"}}
                          githubConfigSecret: {labels: {secret: "true"}}
                        """));
    }

    /** Every chart object gets the chart's labels and the user's. */
    @ParameterizedTest
    @MethodSource
    void labelsAndAnnotations(String golden, String fields) {
        ObjectNode actual = JSON.createObjectNode();
        for (HasMetadata object : render(fields).allObjects()) {
            if (object.getKind().equals("ConfigMap")) {
                continue;
            }
            JsonNode metadata = json(object).path("metadata");
            ObjectNode labelsAndAnnotations = JSON.createObjectNode();
            labelsAndAnnotations.set("labels", metadata.path("labels"));
            if (metadata.has("annotations")) {
                labelsAndAnnotations.set("annotations", metadata.path("annotations"));
            }
            actual.set(object.getKind() + "/" + object.getMetadata().getName() + " metadata",
                    withoutArcfleetAdditions(labelsAndAnnotations));
        }
        assertGolden("labelsAndAnnotations-" + golden, actual);
    }

    @Test
    void theHookTemplateConfigMapCarriesTheUsersLabelsAndAnnotationsToo() {
        HasMetadata hookTemplate = render("labels: {team: ci}\nannotations: {example.com/owner: ci}\n").companions().stream()
                .filter(object -> object.getKind().equals("ConfigMap")).findFirst().orElseThrow();
        assertEquals("ci", hookTemplate.getMetadata().getLabels().get("team"));
        assertEquals("ci", hookTemplate.getMetadata().getAnnotations().get("example.com/owner"));
    }

    @Test
    void everyLabelAndAnnotationKeyOfTheChartsAndArcfleetsIsReservedFromUsers() {
        for (String mode : List.of("kubernetes", "dind")) {
            for (HasMetadata object : render("containerMode: " + mode + "\n").allObjects()) {
                object.getMetadata().getLabels().keySet().forEach(key -> assertTrue(ReservedKeys.label(key), key));
                object.getMetadata().getAnnotations().keySet().forEach(key -> assertTrue(ReservedKeys.annotation(key), key));
            }
        }
    }

    // ---------------------------------------------------------------- listenerTemplate

    static Stream<Arguments> listenerTemplate() {
        return Stream.of(
                Arguments.of("""
                        spec:
                          nodeSelector: {pool: system}
                          tolerations: [{key: system, operator: Exists}]
                          containers: [{name: listener}]
                        """),
                Arguments.of("""
                        spec:
                          containers:
                            - name: listener
                              resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}
                              securityContext: {runAsUser: 1000}
                            - {name: side-car, image: example-sidecar}
                        """),
                Arguments.of("""
                        metadata:
                          labels: {team: ci}
                          annotations: {prometheus.io/scrape: "true"}
                        spec:
                          priorityClassName: system-cluster-critical
                          containers: [{name: listener, imagePullPolicy: IfNotPresent}]
                        """));
    }

    @ParameterizedTest
    @MethodSource
    void listenerTemplate(String template) {
        // listenerTemplate: <template>; the chart renders it with toYaml, as it is.
        assertRendersAsTheChart(runnerSet("listenerTemplate:\n" + template.indent(2)), "spec.listenerTemplate", template);
    }

    // ---------------------------------------------------------------- listenerMetrics

    static Stream<Arguments> listenerMetrics() {
        return Stream.of(
                Arguments.of("""
                        counters:
                          gha_started_jobs_total: {labels: [repository, organization]}
                        """),
                Arguments.of("""
                        gauges:
                          gha_busy_runners: {labels: [name, namespace]}
                          gha_idle_runners: {labels: []}
                        """),
                Arguments.of("""
                        counters:
                          gha_completed_jobs_total: {labels: [repository, job_result]}
                        histograms:
                          gha_job_startup_duration_seconds:
                            labels: [repository]
                            buckets: [0.01, 0.5, 1.0, 60.0, 3600.0]
                        """));
    }

    @ParameterizedTest
    @MethodSource
    void listenerMetrics(String metrics) {
        // listenerMetrics: <metrics>; the chart renders it with toYaml, as it is.
        assertRendersAsTheChart(runnerSet("listenerMetrics:\n" + metrics.indent(2)), "spec.listenerMetrics", metrics);
    }

    // ---------------------------------------------------------------- githubServerTLS

    @Test
    void githubServerTlsWithoutAMountPathOnlyTellsArc() {
        // githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}}
        RunnerSet set = runnerSet("githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}}\n");
        DesiredRunnerSet desired = RunnerSetRenderer.render(set, FACTS, TOKEN);
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, desired, "AutoscalingRunnerSet/" + SET, "spec.githubServerTLS");
        chartPart(actual, desired, "Role/" + SET + "-gha-rs-manager", "rules");
        assertGolden("githubServerTlsWithoutAMountPathOnlyTellsArc", actual);
        JsonNode runner = json(render("githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}}\n")
                .autoscalingRunnerSet()).path("spec").path("template").path("spec").path("containers").get(0);
        assertFalse(runner.toString().contains("github-server-tls-cert") || runner.toString().contains("NODE_EXTRA_CA_CERTS"),
                runner.toString());
    }

    @Test
    void githubServerTlsMountedInKubernetesMode() {
        // githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.pem}},
        //   runnerMountPath: /usr/local/share/ca-certificates}, containerMode: {type: kubernetes, ...}
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, render("""
                githubServerTLS:
                  certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.pem}}
                  runnerMountPath: /usr/local/share/ca-certificates
                """), "AutoscalingRunnerSet/" + SET, "spec.template.spec");
        assertGolden("githubServerTlsMountedInKubernetesMode", actual);
    }

    @Test
    void githubServerTlsMountedInDindModeKeepsAUserNodeExtraCaCerts() {
        // githubServerTLS: {certificateFrom: ..., runnerMountPath: /certs/}, containerMode: {type: dind},
        // template.spec.containers: [{name: runner, env: [{name: NODE_EXTRA_CA_CERTS, value: /etc/ssl/bundle.pem}]}]
        JsonNode spec = withoutArcfleetAdditions(json(render("""
                containerMode: dind
                githubServerTLS:
                  certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}
                  runnerMountPath: /certs/
                template:
                  spec:
                    containers: [{name: runner, env: [{name: NODE_EXTRA_CA_CERTS, value: /etc/ssl/bundle.pem}]}]
                """).autoscalingRunnerSet()).path("spec").path("template").path("spec"));
        JsonNode runner = spec.path("containers").get(0);
        ObjectNode actual = JSON.createObjectNode();
        actual.set("AutoscalingRunnerSet/" + SET + " spec.template.spec.containers[0].env", runner.path("env"));
        actual.set("AutoscalingRunnerSet/" + SET + " spec.template.spec.containers[0].volumeMounts", runner.path("volumeMounts"));
        actual.set("AutoscalingRunnerSet/" + SET + " spec.template.spec.volumes", spec.path("volumes"));
        assertGolden("githubServerTlsMountedInDindModeKeepsAUserNodeExtraCaCerts", actual);
    }

    // ---------------------------------------------------------------- proxy

    static Stream<Arguments> proxy() {
        return Stream.of(
                Arguments.of("http", "http: {url: 'http://proxy.example.com:3128'}\n"),
                Arguments.of("https-no-proxy", "https: {url: 'http://proxy.example.com:3128', credentialSecretRef: proxy-auth}\n"
                        + "noProxy: [example.com, .internal]\n"),
                Arguments.of("http-and-https", "http: {url: 'http://a:1', credentialSecretRef: a-auth}\nhttps: {url: 'http://b:2'}\n"));
    }

    @ParameterizedTest
    @MethodSource
    void proxy(String golden, String values) {
        // proxy: <values>
        ObjectNode actual = JSON.createObjectNode();
        chartPart(actual, render("proxy:\n" + values.indent(2)), "AutoscalingRunnerSet/" + SET, "spec.proxy");
        assertGolden("proxy-" + golden, actual);
    }

    // ---------------------------------------------------------------- runnerScaleSetLabels (chart: scaleSetLabels)

    @ParameterizedTest
    @MethodSource
    void runnerScaleSetLabels(String labels) {
        // scaleSetLabels: <labels>; autoscalingrunnerset.yaml of 0.14.2, lines 78-88, renders the list as it is
        assertRendersAsTheChart(runnerSet("runnerScaleSetLabels: " + labels + "\n"), "spec.runnerScaleSetLabels", labels);
    }

    static Stream<String> runnerScaleSetLabels() {
        return Stream.of("[linux]", "[linux, x64, gpu]", "['self hosted', 'team:ci']");
    }

    // ---------------------------------------------------------------- resourceMeta of ARC's objects (0.14)

    static Stream<Arguments> resourceMetaOfArcsObjects() {
        return Stream.of(
                Arguments.of("autoscalingListener", List.of("autoscalingListener"), "autoscalingListener: {labels: {team: ci}}\n"),
                Arguments.of("ephemeralRunner", List.of("ephemeralRunnerSetMetadata", "ephemeralRunnerMetadata"),
                        "ephemeralRunner: {annotations: {karpenter.sh/do-not-disrupt: 'true'}}\n"
                        + "ephemeralRunnerSet: {labels: {a: b}, annotations: {c: d}}\n"),
                Arguments.of("listener", List.of("listenerServiceAccountMetadata", "listenerRoleMetadata",
                        "listenerRoleBindingMetadata", "listenerConfigSecretMetadata", "ephemeralRunnerConfigSecretMetadata"), """
                        listenerServiceAccount: {annotations: {eks.amazonaws.com/role-arn: x}}
                        listenerRole: {labels: {r: "1"}}
                        listenerRoleBinding: {labels: {rb: "1"}}
                        listenerConfigSecret: {labels: {s: "1"}}
                        ephemeralRunnerConfigSecret: {labels: {e: "1"}}
                        """));
    }

    @ParameterizedTest
    @MethodSource
    void resourceMetaOfArcsObjects(String golden, List<String> specFields, String resourceMeta) {
        // resourceMeta: <resourceMeta>; gha-runner-scale-set.resourceMetaSpec renders each as a spec field.
        JsonNode spec = json(render("resourceMeta:\n" + resourceMeta.indent(2)).autoscalingRunnerSet()).path("spec");
        ObjectNode actual = JSON.createObjectNode();
        for (String name : specFields) {
            actual.set("AutoscalingRunnerSet/" + SET + " spec." + name, spec.path(name));
        }
        assertGolden("resourceMetaOfArcsObjects-" + golden, actual);
        assertFalse(spec.has("resourceMeta"), spec.toString());
    }

    // ---------------------------------------------------------------- helpers

    private static RunnerSet runnerSet(String fields) {
        return OneSet.of(fields);
    }

    private static DesiredRunnerSet render(String fields) {
        return RunnerSetRenderer.render(runnerSet(fields), FACTS, TOKEN);
    }

    /** The chart's objects among arcfleet's: all but arcfleet's hook template ConfigMap. */
    private static List<String> chartObjects(DesiredRunnerSet desired) {
        return desired.companions().stream().filter(object -> !object.getKind().equals("ConfigMap"))
                .map(object -> object.getKind() + "/" + object.getMetadata().getName()).toList();
    }

    private static void assertRendersAsTheChart(RunnerSet set, String path, String chartYaml) {
        assertRendersAsTheChart(set, "AutoscalingRunnerSet/" + SET, path, yaml(chartYaml));
    }

    private static void assertRendersAsTheChart(RunnerSet set, String object, String path, JsonNode chart) {
        DesiredRunnerSet desired = RunnerSetRenderer.render(set, FACTS, TOKEN);
        assertTreeEquals(chart, withoutArcfleetAdditions(at(desired, object, path)), object + " " + path);
    }

    /** Puts what arcfleet renders at {@code path} in {@code object}, less its own additions, in {@code actual}. */
    private static void chartPart(ObjectNode actual, DesiredRunnerSet desired, String object, String path) {
        JsonNode rendered = at(desired, object, path);
        assertTrue(!rendered.isMissingNode(), object + " " + path + ": missing");
        actual.set(object + " " + path, withoutArcfleetAdditions(rendered));
    }

    private static JsonNode at(DesiredRunnerSet desired, String object, String path) {
        HasMetadata rendered = desired.allObjects().stream()
                .filter(candidate -> (candidate.getKind() + "/" + candidate.getMetadata().getName()).equals(object))
                .findFirst().orElseGet(() -> fail("no " + object));
        JsonNode node = json(rendered);
        for (String segment : path.split("\\.")) {
            node = node.path(segment);
        }
        return node;
    }

    /** Compares with src/test/resources/dev/arcfleet/render/golden/ChartValuesRenderTest/{@code name}.yaml. */
    private static void assertGolden(String name, ObjectNode actual) {
        Goldens.assertMatches("ChartValuesRenderTest/" + name, actual);
    }

    /** Takes out what arcfleet adds to the chart's objects, as listed in the class comment. */
    static JsonNode withoutArcfleetAdditions(JsonNode node) {
        if (node.isArray()) {
            ArrayNode kept = JSON.createArrayNode();
            for (JsonNode item : node) {
                String name = item.path("name").asText("");
                if (name.startsWith("cache-") || name.equals("hook-template")
                        || name.equals("ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE")) {
                    continue;
                }
                kept.add(withoutArcfleetAdditions(item));
            }
            return kept;
        }
        if (node.isObject()) {
            ObjectNode kept = JSON.createObjectNode();
            node.fields().forEachRemaining(entry -> {
                String key = entry.getKey();
                if (key.startsWith("arcfleet.dev/") || key.equals("app.kubernetes.io/managed-by")
                        || key.equals("helm.sh/chart") || key.equals("actions.github.com/values-hash")) {
                    return;
                }
                JsonNode value = withoutArcfleetAdditions(entry.getValue());
                // A list or mapping that held only arcfleet's additions is one the chart does not render.
                if (value.isEmpty() && !entry.getValue().isEmpty() && value.isContainerNode()) {
                    return;
                }
                kept.set(key, value);
            });
            return kept;
        }
        return node;
    }

    private static void assertTreeEquals(JsonNode expected, JsonNode actual) {
        assertTreeEquals(expected, actual, "");
    }

    /** Order of mapping keys does not matter, order of list items does, as for the API server. */
    private static void assertTreeEquals(JsonNode expected, JsonNode actual, String what) {
        assertTrue(!actual.isMissingNode(), what + ": missing");
        assertEquals(normalized(expected), normalized(actual), what);
    }

    /** Numbers compare by value (YAML 1.0 and JSON 1 are both the chart's 1). */
    private static String normalized(JsonNode node) {
        try {
            Object tree = JSON.treeToValue(node, Object.class);
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(sorted(tree));
        } catch (Exception e) {
            return fail(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object sorted(Object tree) {
        if (tree instanceof Map<?, ?> map) {
            java.util.TreeMap<String, Object> sortedMap = new java.util.TreeMap<>();
            ((Map<String, Object>) map).forEach((key, value) -> sortedMap.put(key, sorted(value)));
            return sortedMap;
        }
        if (tree instanceof List<?> list) {
            return list.stream().map(ChartValuesRenderTest::sorted).toList();
        }
        if (tree instanceof Number number) {
            return new java.math.BigDecimal(number.toString()).stripTrailingZeros().toPlainString();
        }
        return tree;
    }

    private static JsonNode json(Object object) {
        try {
            return JSON.readTree(SERIALIZATION.asJson(object));
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
}
