package dev.arcfleet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcController;
import dev.arcfleet.chart.ReservedKeys;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RunnerSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Each chart value arcfleet takes, rendered by arcfleet and compared with what ARC's {@code gha-runner-scale-set}
 * chart renders for the same values. The expected objects were written by hand from the chart's templates
 * ({@code autoscalingrunnerset.yaml}, {@code _helpers.tpl}, the RBAC templates) of 0.13.0 to 0.14.2, which render
 * these values alike, for a Kubernetes 1.30 cluster. Each case gives the chart values as a comment.
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
                // template: the same as arcfleet's below, with image and command in the runner container
                Arguments.of("kubernetes mode: scalars set, containers, init containers, env, mounts and volumes appended", """
                        template:
                          metadata:
                            annotations: {karpenter.sh/do-not-disrupt: "true"}
                          spec:
                            nodeSelector: {kubernetes.io/arch: amd64}
                            tolerations: [{key: ci, operator: Exists, effect: NoSchedule}]
                            initContainers: [{name: prepare, image: busybox, command: [sh, -c, "true"]}]
                            containers:
                              - name: runner
                                resources: {requests: {cpu: "1"}, limits: {memory: 4Gi}}
                                env: [{name: EXTRA, value: "yes"}]
                                volumeMounts: [{name: scratch, mountPath: /scratch}]
                              - {name: sidecar, image: busybox}
                            volumes: [{name: scratch, emptyDir: {}}]
                        """, """
                        metadata:
                          annotations:
                            karpenter.sh/do-not-disrupt: "true"
                        spec:
                          nodeSelector:
                            kubernetes.io/arch: amd64
                          tolerations:
                          - effect: NoSchedule
                            key: ci
                            operator: Exists
                          restartPolicy: Never
                          serviceAccountName: arc-runner-acme-widgets-1-gha-rs-kube-mode
                          initContainers:
                          - command: [sh, -c, "true"]
                            image: busybox
                            name: prepare
                          containers:
                          - name: runner
                            command: ["/home/runner/run.sh"]
                            image: ghcr.io/actions/actions-runner:latest
                            resources:
                              limits:
                                memory: 4Gi
                              requests:
                                cpu: "1"
                            env:
                            - name: EXTRA
                              value: "yes"
                            - name: ACTIONS_RUNNER_CONTAINER_HOOKS
                              value: /home/runner/k8s/index.js
                            - name: ACTIONS_RUNNER_POD_NAME
                              valueFrom:
                                fieldRef:
                                  fieldPath: metadata.name
                            - name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER
                              value: "true"
                            volumeMounts:
                            - mountPath: /scratch
                              name: scratch
                            - name: work
                              mountPath: /home/runner/_work
                          - image: busybox
                            name: sidecar
                          volumes:
                          - name: work
                            ephemeral:
                              volumeClaimTemplate:
                                spec:
                                  accessModes:
                                  - ReadWriteOnce
                                  resources:
                                    requests:
                                      storage: 10Gi
                          - emptyDir: {}
                            name: scratch
                        """),
                // containerMode: {type: dind}; template: the same as arcfleet's below, with image and command
                Arguments.of("dind mode: a user work volume replaces the mode's, a user DOCKER_HOST the mode's", """
                        containerMode: dind
                        template:
                          spec:
                            priorityClassName: ci
                            imagePullSecrets: [{name: registry}]
                            securityContext: {fsGroup: 123}
                            containers:
                              - name: runner
                                env: [{name: DOCKER_HOST, value: "tcp://localhost:2375"}]
                            volumes:
                              - name: work
                                ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}}}
                        """, """
                        spec:
                          imagePullSecrets:
                          - name: registry
                          priorityClassName: ci
                          securityContext:
                            fsGroup: 123
                          restartPolicy: Never
                          serviceAccountName: arc-runner-acme-widgets-1-gha-rs-no-permission
                          initContainers:
                          - name: init-dind-externals
                            image: ghcr.io/actions/actions-runner:latest
                            command: ["cp"]
                            args: ["-r", "/home/runner/externals/.", "/home/runner/tmpDir/"]
                            volumeMounts:
                              - name: dind-externals
                                mountPath: /home/runner/tmpDir
                          - name: dind
                            image: docker:dind
                            args:
                              - dockerd
                              - --host=unix:///var/run/docker.sock
                              - --group=$(DOCKER_GROUP_GID)
                            env:
                              - name: DOCKER_GROUP_GID
                                value: "123"
                            securityContext:
                              privileged: true
                            restartPolicy: Always
                            startupProbe:
                              exec:
                                command:
                                  - docker
                                  - info
                              initialDelaySeconds: 0
                              failureThreshold: 24
                              periodSeconds: 5
                            volumeMounts:
                              - name: work
                                mountPath: /home/runner/_work
                              - name: dind-sock
                                mountPath: /var/run
                              - name: dind-externals
                                mountPath: /home/runner/externals
                          containers:
                          - name: runner
                            command: ["/home/runner/run.sh"]
                            image: ghcr.io/actions/actions-runner:latest
                            env:
                              - name: DOCKER_HOST
                                value: tcp://localhost:2375
                              - name: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS
                                value: "120"
                            volumeMounts:
                              - name: work
                                mountPath: /home/runner/_work
                              - name: dind-sock
                                mountPath: /var/run
                          volumes:
                          - name: dind-sock
                            emptyDir: {}
                          - name: dind-externals
                            emptyDir: {}
                          - ephemeral:
                              volumeClaimTemplate:
                                spec:
                                  accessModes:
                                  - ReadWriteOnce
                                  resources:
                                    requests:
                                      storage: 5Gi
                            name: work
                        """),
                // containerMode: {type: kubernetes-novolume}; template: the same, image ghcr.io/acme/runner:3 in runner
                Arguments.of("kubernetes-novolume mode: the user's ServiceAccount, restartPolicy and a user ACTIONS_RUNNER_IMAGE", """
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
                        """, """
                        spec:
                          restartPolicy: OnFailure
                          serviceAccountName: ci-runner
                          containers:
                          - name: runner
                            command: [/home/runner/run.sh, --once]
                            image: ghcr.io/acme/runner:3
                            env:
                            - name: ACTIONS_RUNNER_IMAGE
                              value: ghcr.io/acme/job:1
                            - name: ACTIONS_RUNNER_CONTAINER_HOOKS
                              value: /home/runner/k8s-novolume/index.js
                            - name: ACTIONS_RUNNER_POD_NAME
                              valueFrom:
                                fieldRef:
                                  fieldPath: metadata.name
                            - name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER
                              value: "true"
                            volumeMounts:
                            - mountPath: /tmp
                              name: tmp
                          volumes:
                          - emptyDir:
                              medium: Memory
                            name: tmp
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void template(String description, String fields, String chartTemplate) {
        assertRendersAsTheChart(runnerSet(fields), "spec.template", chartTemplate);
    }

    @Test
    void aUserServiceAccountReplacesTheModesAsInTheChart() {
        DesiredRunnerSet kube = render("template: {spec: {serviceAccountName: ci-runner}}\n");
        DesiredRunnerSet dind = render("containerMode: dind\ntemplate: {spec: {serviceAccountName: ci-runner}}\n");
        // kube_mode_*.yaml and no_permission_serviceaccount.yaml render nothing; the cleanup annotations name neither.
        for (DesiredRunnerSet desired : List.of(kube, dind)) {
            assertEquals(List.of("Role/" + SET + "-gha-rs-manager", "RoleBinding/" + SET + "-gha-rs-manager",
                    "Secret/" + SET + "-gha-rs-github-secret"), chartObjects(desired));
            assertEquals(yaml("""
                    actions.github.com/cleanup-github-secret-name: arc-runner-acme-widgets-1-gha-rs-github-secret
                    actions.github.com/cleanup-manager-role-binding: arc-runner-acme-widgets-1-gha-rs-manager
                    actions.github.com/cleanup-manager-role-name: arc-runner-acme-widgets-1-gha-rs-manager
                    """), withoutArcfleetAdditions(json(desired.autoscalingRunnerSet()).path("metadata").path("annotations")));
        }
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
                Arguments.of("the chart's default: the runner container alone", "containerMode: none\n", """
                        spec:
                          restartPolicy: Never
                          serviceAccountName: arc-runner-acme-widgets-1-gha-rs-no-permission
                          containers:
                          - name: runner
                            command: ["/home/runner/run.sh"]
                            image: ghcr.io/actions/actions-runner:latest
                        """),
                // template.spec: rootless dind as in ARC's documentation, containers in this order
                Arguments.of("rootless dind of the user's own: containers keep their order", """
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
                                env: [{name: DOCKER_HOST, value: "unix:///run/user/1001/docker.sock"}]
                                volumeMounts: [{name: dind-sock, mountPath: /run/user/1001}]
                            volumes:
                              - {name: dind-sock, emptyDir: {}}
                              - {name: dind-home, emptyDir: {}}
                        """, """
                        spec:
                          restartPolicy: Never
                          serviceAccountName: arc-runner-acme-widgets-1-gha-rs-no-permission
                          initContainers:
                          - command: [sh, -c, "mkdir -p /home/runner/.local/share/docker"]
                            image: ghcr.io/acme/runner:2
                            name: init-dind-rootless
                            volumeMounts:
                            - mountPath: /home/runner
                              name: dind-home
                          containers:
                          - args: [dockerd, --host=unix:///run/user/1001/docker.sock]
                            image: docker:dind-rootless
                            name: dind
                            securityContext:
                              privileged: true
                              runAsUser: 1001
                            volumeMounts:
                            - mountPath: /run/user/1001
                              name: dind-sock
                          - name: runner
                            command: ["/home/runner/run.sh"]
                            image: ghcr.io/acme/runner:2
                            env:
                            - name: DOCKER_HOST
                              value: unix:///run/user/1001/docker.sock
                            volumeMounts:
                            - mountPath: /run/user/1001
                              name: dind-sock
                          volumes:
                          - emptyDir: {}
                            name: dind-sock
                          - emptyDir: {}
                            name: dind-home
                        """),
                // githubServerTLS with runnerMountPath, no containerMode: the TLS volume comes first
                Arguments.of("the CA certificate mounted into the runner, after the user's env and mounts", """
                        containerMode: none
                        githubServerTLS:
                          certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}
                          runnerMountPath: /usr/local/share/ca-certificates/
                        template:
                          spec:
                            containers:
                              - name: runner
                                env: [{name: RUNNER_UPDATE_CA_CERTS, value: "0"}]
                                volumeMounts: [{name: data, mountPath: /data}]
                            volumes: [{name: data, emptyDir: {}}]
                        """, """
                        spec:
                          restartPolicy: Never
                          serviceAccountName: arc-runner-acme-widgets-1-gha-rs-no-permission
                          containers:
                          - name: runner
                            command: ["/home/runner/run.sh"]
                            image: ghcr.io/actions/actions-runner:latest
                            env:
                              - name: RUNNER_UPDATE_CA_CERTS
                                value: "0"
                              - name: NODE_EXTRA_CA_CERTS
                                value: /usr/local/share/ca-certificates/ca.crt
                            volumeMounts:
                              - mountPath: /data
                                name: data
                              - name: github-server-tls-cert
                                mountPath: /usr/local/share/ca-certificates/ca.crt
                                subPath: ca.crt
                          volumes:
                          - name: github-server-tls-cert
                            configMap:
                              name: ghes-ca
                              items:
                                - key: ca.crt
                                  path: ca.crt
                          - emptyDir: {}
                            name: data
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void containerModeNone(String description, String fields, String chartTemplate) {
        assertRendersAsTheChart(runnerSet(fields), "spec.template", chartTemplate);
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
                Arguments.of("an image", "dind: {image: 'docker:27-dind'}\n", FACTS, "docker:27-dind",
                        "[dockerd, --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID)]", true),
                Arguments.of("an image and args", "dind: {image: 'mirror.example.com/docker:dind', args: [dockerd,"
                        + " --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID), --mtu=1400]}\n", FACTS,
                        "mirror.example.com/docker:dind",
                        "[dockerd, --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID), --mtu=1400]", true),
                Arguments.of("args before Kubernetes 1.29, no native sidecar", "dind: {args: [dockerd,"
                        + " --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID), --registry-mirror=https://m]}\n",
                        OLD_KUBERNETES, "docker:dind",
                        "[dockerd, --host=unix:///var/run/docker.sock, --group=$(DOCKER_GROUP_GID), --registry-mirror=https://m]",
                        false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void dindImageAndArgs(String description, String fields, ClusterFacts facts, String image, String args,
            boolean nativeSidecar) {
        String dind = """
                name: dind
                image: %s
                args: %s
                env:
                  - name: DOCKER_GROUP_GID
                    value: "123"
                securityContext:
                  privileged: true
                %s
                volumeMounts:
                  - name: work
                    mountPath: /home/runner/_work
                  - name: dind-sock
                    mountPath: /var/run
                  - name: dind-externals
                    mountPath: /home/runner/externals
                """.formatted(image, args, nativeSidecar ? """
                restartPolicy: Always
                startupProbe:
                  exec:
                    command: [docker, info]
                  initialDelaySeconds: 0
                  failureThreshold: 24
                  periodSeconds: 5
                """ : "");
        String initExternals = """
                name: init-dind-externals
                image: ghcr.io/actions/actions-runner:latest
                command: [cp]
                args: [-r, /home/runner/externals/., /home/runner/tmpDir/]
                volumeMounts: [{name: dind-externals, mountPath: /home/runner/tmpDir}]
                """;
        String runner = """
                name: runner
                image: ghcr.io/actions/actions-runner:latest
                command: [/home/runner/run.sh]
                env:
                  - {name: DOCKER_HOST, value: "unix:///var/run/docker.sock"}
                  - {name: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, value: "120"}
                volumeMounts:
                  - {name: work, mountPath: /home/runner/_work}
                  - {name: dind-sock, mountPath: /var/run}
                """;
        // The chart's values for it: no containerMode, and this template, which the chart renders as it is
        // but for restartPolicy and serviceAccountName.
        ObjectNode chartSpec = JSON.createObjectNode();
        chartSpec.put("restartPolicy", "Never");
        chartSpec.put("serviceAccountName", SET + "-gha-rs-no-permission");
        ArrayNode initContainers = chartSpec.putArray("initContainers");
        ArrayNode containers = chartSpec.putArray("containers");
        initContainers.add(yaml(initExternals));
        if (nativeSidecar) {
            initContainers.add(yaml(dind));
            containers.add(yaml(runner));
        } else {
            containers.add(yaml(runner));
            containers.add(yaml(dind));
        }
        chartSpec.set("volumes", yaml("""
                - {name: dind-sock, emptyDir: {}}
                - {name: dind-externals, emptyDir: {}}
                - {name: work, emptyDir: {}}
                """));
        DesiredRunnerSet desired = RunnerSetRenderer.render(runnerSet("containerMode: dind\n" + fields), facts, TOKEN);
        assertTreeEquals(chartSpec, withoutArcfleetAdditions(json(desired.autoscalingRunnerSet()).path("spec")
                .path("template").path("spec")));
    }

    // ---------------------------------------------------------------- kubernetesModeAdditionalRoleRules

    static Stream<Arguments> kubernetesModeAdditionalRoleRules() {
        String chartRules = """
                - apiGroups: [""]
                  resources: ["pods"]
                  verbs: ["get", "list", "create", "delete"]
                - apiGroups: [""]
                  resources: ["pods/exec"]
                  verbs: ["get", "create"]
                - apiGroups: [""]
                  resources: ["pods/log"]
                  verbs: ["get", "list", "watch",]
                %s- apiGroups: [""]
                  resources: ["secrets"]
                  verbs: ["get", "list", "create", "delete"]
                """;
        String jobs = """
                - apiGroups: ["batch"]
                  resources: ["jobs"]
                  verbs: ["get", "list", "create", "delete"]
                """;
        return Stream.of(
                Arguments.of("kubernetes", """
                        - apiGroups: [""]
                          resources: [configmaps]
                          verbs: [get, list, watch]
                        """, chartRules.formatted(jobs)),
                Arguments.of("kubernetes-novolume", """
                        - {apiGroups: [""], resources: [persistentvolumeclaims], verbs: [get, create, delete]}
                        - {apiGroups: [apps], resources: [deployments], verbs: [get]}
                        """, chartRules.formatted("")),
                Arguments.of("kubernetes", """
                        - apiGroups: [""]
                          resources: [secrets]
                          resourceNames: [registry-credentials]
                          verbs: [get]
                        """, chartRules.formatted(jobs)));
    }

    @ParameterizedTest
    @MethodSource
    void kubernetesModeAdditionalRoleRules(String mode, String rules, String chartRules) {
        // containerMode: {type: <mode>, kubernetesModeAdditionalRoleRules: <rules>}: kube_mode_role.yaml appends them.
        RunnerSet set = runnerSet("containerMode: " + mode + "\nkubernetesModeAdditionalRoleRules:\n" + rules.indent(2));
        ArrayNode expected = (ArrayNode) yaml(chartRules);
        expected.addAll((ArrayNode) yaml(rules));
        assertRendersAsTheChart(set, "Role/" + SET + "-gha-rs-kube-mode", "rules", expected);
    }

    // ---------------------------------------------------------------- labels and annotations

    static Stream<Arguments> labelsAndAnnotations() {
        return Stream.of(
                // labels: {team: ci, example.com/cost-centre: "42"}
                Arguments.of("labels: {team: ci, example.com/cost-centre: '42'}\n", Map.of(
                        "*", "{labels: {team: ci, example.com/cost-centre: '42'}}")),
                // annotations: {example.com/owner: ci@example.com}
                Arguments.of("annotations: {example.com/owner: ci@example.com}\n", Map.of(
                        "*", "{annotations: {example.com/owner: ci@example.com}}")),
                // labels, annotations and resourceMeta: {autoscalingRunnerSet: ..., kubernetesModeServiceAccount: ...,
                //   githubConfigSecret: ...}
                Arguments.of("""
                        labels: {team: ci}
                        annotations: {example.com/owner: ci}
                        resourceMeta:
                          autoscalingRunnerSet: {labels: {tier: runners}, annotations: {example.com/ars: "yes"}}
                          kubernetesModeServiceAccount: {annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::1:role/ci"}}
                          githubConfigSecret: {labels: {secret: "true"}}
                        """, Map.of(
                        "*", "{labels: {team: ci}, annotations: {example.com/owner: ci}}",
                        "AutoscalingRunnerSet/" + SET, "{labels: {team: ci, tier: runners}, annotations:"
                                + " {example.com/owner: ci, example.com/ars: 'yes'}}",
                        "ServiceAccount/" + SET + "-gha-rs-kube-mode", "{labels: {team: ci}, annotations:"
                                + " {example.com/owner: ci, eks.amazonaws.com/role-arn: 'arn:aws:iam::1:role/ci'}}",
                        "Secret/" + SET + "-gha-rs-github-secret", "{labels: {team: ci, secret: 'true'}, annotations:"
                                + " {example.com/owner: ci}}")));
    }

    /** Every chart object gets the chart's labels and the user's; {@code "*"} is what any object not listed gets. */
    @ParameterizedTest
    @MethodSource
    void labelsAndAnnotations(String fields, Map<String, String> userMetadata) {
        DesiredRunnerSet desired = render(fields);
        for (HasMetadata object : desired.allObjects()) {
            String id = object.getKind() + "/" + object.getMetadata().getName();
            if (object.getKind().equals("ConfigMap")) {
                continue;
            }
            ObjectNode expected = (ObjectNode) yaml(userMetadata.getOrDefault(id, userMetadata.get("*")));
            ObjectNode labels = expected.has("labels") ? (ObjectNode) expected.get("labels") : expected.putObject("labels");
            labels.setAll((ObjectNode) yaml(chartLabels(object)));
            ObjectNode annotations = expected.has("annotations") ? (ObjectNode) expected.get("annotations")
                    : JSON.createObjectNode();
            if (object.getKind().equals("AutoscalingRunnerSet")) {
                annotations.setAll((ObjectNode) yaml("""
                        actions.github.com/cleanup-github-secret-name: arc-runner-acme-widgets-1-gha-rs-github-secret
                        actions.github.com/cleanup-manager-role-binding: arc-runner-acme-widgets-1-gha-rs-manager
                        actions.github.com/cleanup-manager-role-name: arc-runner-acme-widgets-1-gha-rs-manager
                        actions.github.com/cleanup-kubernetes-mode-role-binding-name: arc-runner-acme-widgets-1-gha-rs-kube-mode
                        actions.github.com/cleanup-kubernetes-mode-role-name: arc-runner-acme-widgets-1-gha-rs-kube-mode
                        actions.github.com/cleanup-kubernetes-mode-service-account-name: arc-runner-acme-widgets-1-gha-rs-kube-mode
                        """));
            }
            if (annotations.isEmpty()) {
                expected.remove("annotations");
            } else {
                expected.set("annotations", annotations);
            }
            JsonNode actual = json(object).path("metadata");
            ObjectNode actualMetadata = JSON.createObjectNode();
            actualMetadata.set("labels", actual.path("labels"));
            if (actual.has("annotations")) {
                actualMetadata.set("annotations", actual.path("annotations"));
            }
            assertTreeEquals(withoutArcfleetAdditions(expected), withoutArcfleetAdditions(actualMetadata), id);
        }
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

    /** {@code gha-runner-scale-set.labels} plus the component each template adds. */
    private static String chartLabels(HasMetadata object) {
        String component = switch (object.getKind() + "/" + object.getMetadata().getName()) {
            case "AutoscalingRunnerSet/" + SET -> "app.kubernetes.io/component: autoscaling-runner-set\n";
            case "Role/" + SET + "-gha-rs-manager" -> "app.kubernetes.io/component: manager-role\n";
            case "RoleBinding/" + SET + "-gha-rs-manager" -> "app.kubernetes.io/component: manager-role-binding\n";
            default -> "";
        };
        return component + """
                helm.sh/chart: gha-rs-0.14.2
                app.kubernetes.io/name: arc-runner-acme-widgets-1
                app.kubernetes.io/instance: arc-runner-acme-widgets-1
                app.kubernetes.io/version: "0.14.2"
                app.kubernetes.io/managed-by: Helm
                app.kubernetes.io/part-of: gha-rs
                actions.github.com/scale-set-name: arc-runner-acme-widgets-1
                actions.github.com/scale-set-namespace: arc-runners
                """;
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
        assertRendersAsTheChart(set, "spec.githubServerTLS", """
                certificateFrom:
                  configMapKeyRef:
                    name: ghes-ca
                    key: ca.crt
                """);
        assertRendersAsTheChart(set, "Role/" + SET + "-gha-rs-manager", "rules", yaml("""
                - {apiGroups: [""], resources: [pods], verbs: [create, delete, get]}
                - {apiGroups: [""], resources: [pods/status], verbs: [get]}
                - {apiGroups: [""], resources: [secrets], verbs: [create, delete, get, list, patch, update]}
                - {apiGroups: [""], resources: [serviceaccounts], verbs: [create, delete, get, list, patch, update]}
                - {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create, delete, get, patch, update]}
                - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [create, delete, get, patch, update]}
                - {apiGroups: [""], resources: [configmaps], verbs: [get]}
                """));
        JsonNode runner = json(render("githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.crt}}}\n")
                .autoscalingRunnerSet()).path("spec").path("template").path("spec").path("containers").get(0);
        assertFalse(runner.toString().contains("github-server-tls-cert") || runner.toString().contains("NODE_EXTRA_CA_CERTS"),
                runner.toString());
    }

    @Test
    void githubServerTlsMountedInKubernetesMode() {
        // githubServerTLS: {certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.pem}},
        //   runnerMountPath: /usr/local/share/ca-certificates}, containerMode: {type: kubernetes, ...}
        assertRendersAsTheChart(runnerSet("""
                githubServerTLS:
                  certificateFrom: {configMapKeyRef: {name: ghes-ca, key: ca.pem}}
                  runnerMountPath: /usr/local/share/ca-certificates
                """), "spec.template.spec", """
                restartPolicy: Never
                serviceAccountName: arc-runner-acme-widgets-1-gha-rs-kube-mode
                containers:
                - name: runner
                  command: ["/home/runner/run.sh"]
                  image: ghcr.io/actions/actions-runner:latest
                  env:
                  - name: ACTIONS_RUNNER_CONTAINER_HOOKS
                    value: /home/runner/k8s/index.js
                  - name: ACTIONS_RUNNER_POD_NAME
                    valueFrom:
                      fieldRef:
                        fieldPath: metadata.name
                  - name: ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER
                    value: "true"
                  - name: NODE_EXTRA_CA_CERTS
                    value: /usr/local/share/ca-certificates/ca.pem
                  - name: RUNNER_UPDATE_CA_CERTS
                    value: "1"
                  volumeMounts:
                  - name: work
                    mountPath: /home/runner/_work
                  - name: github-server-tls-cert
                    mountPath: /usr/local/share/ca-certificates/ca.pem
                    subPath: ca.pem
                volumes:
                - name: github-server-tls-cert
                  configMap:
                    name: ghes-ca
                    items:
                      - key: ca.pem
                        path: ca.pem
                - name: work
                  ephemeral:
                    volumeClaimTemplate:
                      spec:
                        accessModes: [ReadWriteOnce]
                        resources:
                          requests:
                            storage: 10Gi
                """);
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
        assertTreeEquals(yaml("""
                - {name: NODE_EXTRA_CA_CERTS, value: /etc/ssl/bundle.pem}
                - {name: DOCKER_HOST, value: "unix:///var/run/docker.sock"}
                - {name: RUNNER_WAIT_FOR_DOCKER_IN_SECONDS, value: "120"}
                - {name: RUNNER_UPDATE_CA_CERTS, value: "1"}
                """), runner.path("env"));
        assertTreeEquals(yaml("""
                - {name: work, mountPath: /home/runner/_work}
                - {name: dind-sock, mountPath: /var/run}
                - {name: github-server-tls-cert, mountPath: /certs/ca.crt, subPath: ca.crt}
                """), runner.path("volumeMounts"));
        assertTreeEquals(yaml("""
                - {name: github-server-tls-cert, configMap: {name: ghes-ca, items: [{key: ca.crt, path: ca.crt}]}}
                - {name: dind-sock, emptyDir: {}}
                - {name: dind-externals, emptyDir: {}}
                - {name: work, emptyDir: {}}
                """), spec.path("volumes"));
    }

    // ---------------------------------------------------------------- proxy

    static Stream<Arguments> proxy() {
        return Stream.of(
                Arguments.of("http: {url: 'http://proxy.example.com:3128'}\n", """
                        http:
                          url: http://proxy.example.com:3128
                        """),
                Arguments.of("https: {url: 'http://proxy.example.com:3128', credentialSecretRef: proxy-auth}\n"
                        + "noProxy: [example.com, .internal]\n", """
                        https:
                          url: http://proxy.example.com:3128
                          credentialSecretRef: proxy-auth
                        noProxy:
                          - example.com
                          - .internal
                        """),
                Arguments.of("http: {url: 'http://a:1', credentialSecretRef: a-auth}\nhttps: {url: 'http://b:2'}\n", """
                        http:
                          url: http://a:1
                          credentialSecretRef: a-auth
                        https:
                          url: http://b:2
                        """));
    }

    @ParameterizedTest
    @MethodSource
    void proxy(String values, String chartProxy) {
        // proxy: <values>
        assertRendersAsTheChart(runnerSet("proxy:\n" + values.indent(2)), "spec.proxy", chartProxy);
    }

    // ---------------------------------------------------------------- runnerScaleSetLabels (chart: scaleSetLabels)

    @ParameterizedTest
    @MethodSource
    void runnerScaleSetLabels(String labels) {
        // scaleSetLabels: <labels>
        assertRendersAsTheChart(runnerSet("runnerScaleSetLabels: " + labels + "\n"), "spec.runnerScaleSetLabels", labels);
    }

    static Stream<String> runnerScaleSetLabels() {
        return Stream.of("[linux]", "[linux, x64, gpu]", "['self hosted', 'team:ci']");
    }

    // ---------------------------------------------------------------- resourceMeta of ARC's objects (0.14)

    static Stream<Arguments> resourceMetaOfArcsObjects() {
        return Stream.of(
                Arguments.of("autoscalingListener: {labels: {team: ci}}\n", """
                        autoscalingListener:
                          labels:
                            team: ci
                        """),
                Arguments.of("ephemeralRunner: {annotations: {karpenter.sh/do-not-disrupt: 'true'}}\n"
                        + "ephemeralRunnerSet: {labels: {a: b}, annotations: {c: d}}\n", """
                        ephemeralRunnerSetMetadata:
                          labels:
                            a: b
                          annotations:
                            c: d
                        ephemeralRunnerMetadata:
                          annotations:
                            karpenter.sh/do-not-disrupt: "true"
                        """),
                Arguments.of("""
                        listenerServiceAccount: {annotations: {eks.amazonaws.com/role-arn: x}}
                        listenerRole: {labels: {r: "1"}}
                        listenerRoleBinding: {labels: {rb: "1"}}
                        listenerConfigSecret: {labels: {s: "1"}}
                        ephemeralRunnerConfigSecret: {labels: {e: "1"}}
                        """, """
                        listenerServiceAccountMetadata:
                          annotations:
                            eks.amazonaws.com/role-arn: x
                        listenerRoleMetadata:
                          labels:
                            r: "1"
                        listenerRoleBindingMetadata:
                          labels:
                            rb: "1"
                        listenerConfigSecretMetadata:
                          labels:
                            s: "1"
                        ephemeralRunnerConfigSecretMetadata:
                          labels:
                            e: "1"
                        """));
    }

    @ParameterizedTest
    @MethodSource
    void resourceMetaOfArcsObjects(String resourceMeta, String chartSpecFields) {
        // resourceMeta: <resourceMeta>; gha-runner-scale-set.resourceMetaSpec renders each as a spec field.
        JsonNode spec = json(render("resourceMeta:\n" + resourceMeta.indent(2)).autoscalingRunnerSet()).path("spec");
        ObjectNode actual = JSON.createObjectNode();
        for (Iterator<String> names = yaml(chartSpecFields).fieldNames(); names.hasNext();) {
            String name = names.next();
            actual.set(name, spec.path(name));
        }
        assertTreeEquals(yaml(chartSpecFields), actual);
        assertFalse(spec.has("resourceMeta"), spec.toString());
    }

    // ---------------------------------------------------------------- helpers

    private static RunnerSet runnerSet(String fields) {
        try {
            return new FleetConfigParser().parse("repositories:\n  - name: acme/widgets\n" + fields.indent(4))
                    .runnerSets().get(0);
        } catch (InvalidFleetConfigException e) {
            return fail("test config invalid: " + e.problems());
        }
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
        HasMetadata rendered = desired.allObjects().stream()
                .filter(candidate -> (candidate.getKind() + "/" + candidate.getMetadata().getName()).equals(object))
                .findFirst().orElseGet(() -> fail("no " + object));
        JsonNode actual = json(rendered);
        for (String segment : path.split("\\.")) {
            actual = actual.path(segment);
        }
        assertTreeEquals(chart, withoutArcfleetAdditions(actual), object + " " + path);
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
