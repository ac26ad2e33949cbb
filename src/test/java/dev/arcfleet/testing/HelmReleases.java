package dev.arcfleet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/**
 * Helm releases of the chart as {@code helm install} leaves them: the chart's objects, written by hand from its
 * templates in {@code src/test/resources/helm/}, and Helm 3's release record, encoded as its Secrets driver encodes
 * it (helm/helm pkg/storage/driver/util.go {@code encodeRelease}: the release as JSON, gzipped, base64; secrets.go
 * {@code newSecretsObject} stores that string as the Secret's {@code data.release}, which the API base64-encodes
 * again).
 */
public final class HelmReleases {

    /** The values {@code kubernetes-mode-release.yaml} was rendered for, as its header states. */
    public static final String KUBERNETES_MODE_VALUES = """
            githubConfigUrl: https://github.com/acme/tools
            githubConfigSecret: {github_token: ghp_helm_token}
            minRunners: 0
            maxRunners: 2
            containerMode:
              type: kubernetes
              kubernetesModeWorkVolumeClaim: {accessModes: [ReadWriteOnce], storageClassName: standard,
                resources: {requests: {storage: 5Gi}}}
            labels: {team: ci}
            template:
              spec:
                nodeSelector: {kubernetes.io/os: linux}
                containers:
                  - {name: runner, image: ghcr.io/actions/actions-runner:2.321.0, command: [/home/runner/run.sh],
                     resources: {requests: {cpu: 500m}}}
            """;
    /** The values {@code dind-mode-release.yaml} was rendered for, as its header states. */
    public static final String DIND_MODE_VALUES = """
            githubConfigUrl: https://github.com/acme/web
            githubConfigSecret: {github_token: ghp_helm_token}
            maxRunners: 3
            runnerGroup: web
            containerMode: {type: dind}
            annotations: {example.com/owner: web-team}
            template:
              spec:
                containers:
                  - {name: runner, image: ghcr.io/actions/actions-runner:latest, command: [/home/runner/run.sh],
                     resources: {limits: {memory: 8Gi}}}
            """;
    public static final String CHART_VERSION = "0.13.0";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private HelmReleases() {
    }

    /** {@code helm install RELEASE -n <the fleet's namespace>}: objects and record in the runner namespace. */
    public static void install(FleetFixture fleet, String resource, String release, String values) {
        install(fleet, resource, release, values, fleet.namespace);
    }

    /**
     * {@code helm install RELEASE -n RECORD_NAMESPACE --set namespaceOverride=<the fleet's namespace>}: the objects in
     * the runner namespace, annotated with, and recorded in, {@code recordNamespace}.
     */
    public static void install(FleetFixture fleet, String resource, String release, String values, String recordNamespace) {
        // The objects are rendered for the values' repository, so one resource serves releases of several.
        String manifests = read("/helm/" + resource)
                .replaceAll("githubConfigUrl: https://github.com/acme/(tools|web)",
                        "githubConfigUrl: " + yaml(values).path("githubConfigUrl").asText())
                .replace("meta.helm.sh/release-namespace: NAMESPACE", "meta.helm.sh/release-namespace: " + recordNamespace)
                .replace("CONTROLLER_NAMESPACE", fleet.controllerNamespace())
                .replace("NAMESPACE", fleet.namespace).replace("RELEASE", release);
        for (HasMetadata object : fleet.client.load(new java.io.ByteArrayInputStream(manifests.getBytes(StandardCharsets.UTF_8)))
                .items()) {
            fleet.client.resource(object).inNamespace(fleet.namespace).create();
        }
        fleet.client.secrets().inNamespace(recordNamespace).resource(record(recordNamespace, release, 1, values)).create();
    }

    /** Revision {@code revision} of a release of the chart, deployed with {@code values} (YAML), as Helm stores it. */
    public static Secret record(String namespace, String release, int revision, String values) {
        ObjectNode record = JSON.createObjectNode();
        record.put("name", release);
        ObjectNode info = record.putObject("info");
        info.put("first_deployed", "2026-11-02T09:14:07.123456789Z");
        info.put("last_deployed", "2026-11-02T09:14:07.123456789Z");
        info.put("deleted", "");
        info.put("description", "Install complete");
        info.put("status", "deployed");
        ObjectNode chart = record.putObject("chart");
        ObjectNode metadata = chart.putObject("metadata");
        metadata.put("name", "gha-runner-scale-set");
        metadata.put("version", CHART_VERSION);
        metadata.put("appVersion", CHART_VERSION);
        metadata.put("apiVersion", "v2");
        chart.putArray("templates");
        chart.putObject("values");
        record.set("config", yaml(values));
        record.put("manifest", "---\n# Source: gha-runner-scale-set/templates/autoscalingrunnerset.yaml\n");
        record.put("version", revision);
        record.put("namespace", namespace);
        return new SecretBuilder().withNewMetadata().withName("sh.helm.release.v1." + release + ".v" + revision)
                .withNamespace(namespace).addToLabels("owner", "helm").addToLabels("name", release)
                .addToLabels("status", "deployed").addToLabels("version", String.valueOf(revision)).endMetadata()
                .withType("helm.sh/release.v1")
                .addToData("release", Base64.getEncoder().encodeToString(encodeRelease(record).getBytes(StandardCharsets.US_ASCII)))
                .build();
    }

    /** Helm's {@code encodeRelease}: JSON, gzip, base64. */
    private static String encodeRelease(JsonNode release) {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzipped)) {
            out.write(JSON.writeValueAsBytes(release));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(gzipped.toByteArray());
    }

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(String resource) {
        try (InputStream in = HelmReleases.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
