package dev.arcfleet.chart;

/**
 * The cluster's Kubernetes minor version as the chart's templates read it, {@code .Capabilities.KubeVersion.Minor | int}
 * in autoscalingrunnerset.yaml, which decides whether dind runs as a native sidecar (29 and later). Helm passes the
 * API server's minor on as it reports it, {@code 29}, or {@code 29+} on EKS and GKE, and Sprig's {@code int} (spf13/cast
 * {@code ToInt}) gives 0 for a string that is not a number. So on those clusters the chart renders dind as an ordinary
 * container whatever their version, and arcfleet renders what the chart renders.
 */
public final class KubeMinorVersion {

    private KubeMinorVersion() {
    }

    public static int asTheChartReadsIt(String minor) {
        return minor != null && minor.matches("[0-9]{1,9}") ? Integer.parseInt(minor) : 0;
    }
}
