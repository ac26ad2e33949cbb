package dev.arcfleet.migrate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arcfleet.chart.ReleaseOwnerKeys;

/**
 * One revision of a Helm release as Helm 3 records it: what {@code helm get values} and {@code helm list} read. The
 * record is {@code data.release} of a Secret {@code sh.helm.release.v1.<release>.v<revision>}: the release as JSON,
 * gzipped, base64-encoded (helm/helm pkg/storage/driver/util.go {@code encodeRelease}), which the Secret's data
 * base64-encodes once more; a ConfigMap record ({@code HELM_DRIVER=configmap}) holds the string as it is.
 *
 * @param storedIn {@code secret}, or {@code configmap}: the kind of the record, as kubectl names it
 * @param recordName the Secret or ConfigMap's name
 * @param namespace where Helm recorded the release ({@code helm -n}), not always where its objects are
 * @param values the values the release was installed or upgraded with, as {@code helm get values} prints them
 */
public record HelmReleaseRecord(String storedIn, String recordName, String release, String namespace, int revision, String status,
        String chart, String chartVersion, ObjectNode values) {

    /** The chart whose releases import reads. */
    public static final String RUNNER_SCALE_SET_CHART = "gha-runner-scale-set";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] GZIP_MAGIC = { 0x1f, (byte) 0x8b, 0x08 };

    /** A Secret record, from its {@code data.release} as the API returns it. */
    public static HelmReleaseRecord fromSecret(String recordName, String recordNamespace, String dataRelease) {
        return decode("secret", recordName, recordNamespace, new String(Base64.getDecoder().decode(dataRelease), StandardCharsets.US_ASCII));
    }

    /** A ConfigMap record, from its {@code data.release}. */
    public static HelmReleaseRecord fromConfigMap(String recordName, String recordNamespace, String dataRelease) {
        return decode("configmap", recordName, recordNamespace, dataRelease);
    }

    private static HelmReleaseRecord decode(String storedIn, String recordName, String recordNamespace, String encoded) {
        byte[] bytes = Base64.getDecoder().decode(encoded.trim());
        JsonNode release;
        // Helm reads records from before it compressed them as they are, and so does import.
        try (InputStream in = startsWithGzipMagic(bytes) ? new GZIPInputStream(new ByteArrayInputStream(bytes))
                : new ByteArrayInputStream(bytes)) {
            release = JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("release record " + recordNamespace + "/" + recordName
                    + " is not a gzipped JSON release: " + e.getMessage(), e);
        }
        JsonNode metadata = release.path("chart").path("metadata");
        return new HelmReleaseRecord(storedIn, recordName, release.path("name").asText(""),
                release.path("namespace").asText(recordNamespace), release.path("version").asInt(0),
                release.path("info").path("status").asText(""), metadata.path("name").asText(""),
                metadata.path("version").asText(""),
                release.path("config") instanceof ObjectNode config ? config : JSON.createObjectNode());
    }

    private static boolean startsWithGzipMagic(byte[] bytes) {
        return bytes.length > GZIP_MAGIC.length && bytes[0] == GZIP_MAGIC[0] && bytes[1] == GZIP_MAGIC[1]
                && bytes[2] == GZIP_MAGIC[2];
    }

    /**
     * Each release's current revision, by {@code namespace/release}: the newest deployed one, as {@code helm get
     * values} reads it, else the newest.
     */
    public static Map<String, HelmReleaseRecord> current(Collection<HelmReleaseRecord> records) {
        Map<String, HelmReleaseRecord> current = new LinkedHashMap<>();
        records.stream().sorted(Comparator.comparing(HelmReleaseRecord::deployed).thenComparing(HelmReleaseRecord::revision))
                .forEach(record -> current.put(record.key(), record));
        return current;
    }

    private boolean deployed() {
        return "deployed".equals(status);
    }

    public String key() {
        return key(namespace, release);
    }

    public static String key(String namespace, String release) {
        return namespace + "/" + release;
    }

    /** The command that makes Helm forget the release, every revision, and leaves its objects as they are. */
    public String forgetCommand() {
        return "kubectl -n " + namespace + " delete " + storedIn + " -l " + ReleaseOwnerKeys.helmRecordSelector(release);
    }

    public String describe() {
        return "release " + release + " (namespace " + namespace + ", revision " + revision + ", chart " + chart + " "
                + chartVersion + ", record " + recordName + ")";
    }
}
