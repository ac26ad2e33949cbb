package dev.arcfleet.chart;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys by which the tools that install the chart claim its objects: Helm's release annotations and release
 * records, Flux's helm-controller labels and Argo CD's tracking keys. A set still claimed by one of them is not
 * arcfleet's to write, and import tells the user how to end each claim.
 */
public final class ReleaseOwnerKeys {

    /** Helm adopts, upgrades and deletes an object by these (helm/helm pkg/action/validate.go). */
    public static final String HELM_RELEASE_NAME = "meta.helm.sh/release-name";
    public static final String HELM_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";
    public static final List<String> HELM_ANNOTATIONS = List.of(HELM_RELEASE_NAME, HELM_RELEASE_NAMESPACE);
    /** The chart's {@code <chart>-<version>} label, which nothing reads but people, and which misleads on arcfleet's. */
    public static final String HELM_CHART_LABEL = "helm.sh/chart";

    /**
     * Helm 3's storage drivers (pkg/storage/driver/secrets.go, cfgmaps.go) keep one record per revision, named
     * {@code sh.helm.release.v1.<release>.v<revision>}, labelled {@code owner=helm}, {@code name=<release>},
     * {@code status} and {@code version}, in the release's namespace.
     */
    public static final String HELM_RECORD_PREFIX = "sh.helm.release.v1.";
    public static final String HELM_RECORD_OWNER = "owner";
    public static final String HELM_RECORD_OWNER_VALUE = "helm";
    public static final String HELM_RECORD_RELEASE = "name";
    /** The record's only data key: base64 of gzip of the release as JSON (pkg/storage/driver/util.go). */
    public static final String HELM_RECORD_DATA = "release";

    /** helm-controller labels every object of a HelmRelease with it (its post-renderer's origin labels). */
    public static final String FLUX_HELM_RELEASE_NAME = "helm.toolkit.fluxcd.io/name";
    public static final String FLUX_HELM_RELEASE_NAMESPACE = "helm.toolkit.fluxcd.io/namespace";

    /** Argo CD's tracking annotation, the default tracking method since Argo CD 3.0. */
    public static final String ARGO_CD_TRACKING_ID = "argocd.argoproj.io/tracking-id";
    /**
     * The label Argo CD's documentation configures for label tracking. Its default label,
     * {@code app.kubernetes.io/instance}, the chart sets to the release name itself, so it proves nothing.
     */
    public static final String ARGO_CD_INSTANCE = "argocd.argoproj.io/instance";

    private ReleaseOwnerKeys() {
    }

    /** Whether a label or annotation key marks who installed an object rather than anything a user asked for. */
    public static boolean installerKey(String key) {
        return key.startsWith("meta.helm.sh/") || key.startsWith("helm.toolkit.fluxcd.io/")
                || key.equals(ARGO_CD_TRACKING_ID) || key.equals(ARGO_CD_INSTANCE);
    }

    /** A release record's selector, as kubectl takes it. */
    public static String helmRecordSelector(String release) {
        return HELM_RECORD_OWNER + "=" + HELM_RECORD_OWNER_VALUE + "," + HELM_RECORD_RELEASE + "=" + release;
    }

    /** The release a Helm record (Secret or ConfigMap) is of, if it is one. */
    public static Optional<String> helmRecordRelease(String name, Map<String, String> labels) {
        if (labels == null || !name.startsWith(HELM_RECORD_PREFIX)
                || !HELM_RECORD_OWNER_VALUE.equals(labels.get(HELM_RECORD_OWNER))) {
            return Optional.empty();
        }
        return Optional.ofNullable(labels.get(HELM_RECORD_RELEASE));
    }

    /** The Flux HelmRelease, as {@code namespace/name}, that labelled an object, if any. */
    public static Optional<String> fluxHelmRelease(Map<String, String> labels) {
        if (labels == null || !labels.containsKey(FLUX_HELM_RELEASE_NAME)) {
            return Optional.empty();
        }
        return Optional.of(labels.getOrDefault(FLUX_HELM_RELEASE_NAMESPACE, "?") + "/" + labels.get(FLUX_HELM_RELEASE_NAME));
    }

    /** The Argo CD application that tracks an object, if any, as its tracking key names it. */
    public static Optional<String> argoCdApplication(Map<String, String> labels, Map<String, String> annotations) {
        if (annotations != null && annotations.containsKey(ARGO_CD_TRACKING_ID)) {
            // <application>:<group>/<kind>:<namespace>/<name>
            return Optional.of(annotations.get(ARGO_CD_TRACKING_ID).split(":", 2)[0]);
        }
        return Optional.ofNullable(labels == null ? null : labels.get(ARGO_CD_INSTANCE));
    }
}
