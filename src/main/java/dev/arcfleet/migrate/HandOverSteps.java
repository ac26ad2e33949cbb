package dev.arcfleet.migrate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.chart.ReleaseOwnerKeys;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The commands that hand one Helm-made set over to arcfleet, in the one order that deletes nothing: whatever else
 * manages the release lets go first (Flux, Argo CD), arcfleet claims the objects by label second (the daemon then
 * holds the set as {@code HELM_RELEASE_STILL_OWNS}, writing nothing), and Helm forgets the release last, by its
 * records only. {@code helm uninstall} is never one of them: it deletes the set, and ARC deregisters it from GitHub.
 */
final class HandOverSteps {

    /** Every kind of object the chart makes for a set. */
    static final String CHART_KINDS = ArcApi.AUTOSCALING_RUNNER_SETS.getPlural() + ",serviceaccounts,roles,rolebindings,secrets";
    private static final String HELM = "Helm";

    private HandOverSteps() {
    }

    /**
     * @param namespace where the set is, which the daemon watches
     * @param releaseNamespace where Helm recorded the release
     * @param objects the set's objects, whose labels and annotations say who else manages them
     */
    static List<String> of(String namespace, String set, String release, String releaseNamespace,
            Optional<HelmReleaseRecord> record, List<HasMetadata> objects) {
        String setObjects = ArcKeys.SCALE_SET_NAME + "=" + set;
        String kubectl = "kubectl -n " + namespace + " ";
        List<String> steps = new ArrayList<>();
        steps.add(record.map(found -> found.describe() + ", set " + set + ":")
                .orElse("release " + release + " (namespace " + releaseNamespace + ", no release record found), set " + set
                        + ":"));
        int step = 1;
        TreeSet<String> fluxReleases = new TreeSet<>();
        TreeSet<String> argoApplications = new TreeSet<>();
        for (HasMetadata object : objects) {
            Map<String, String> labels = object.getMetadata().getLabels();
            ReleaseOwnerKeys.fluxHelmRelease(labels).ifPresent(fluxReleases::add);
            ReleaseOwnerKeys.argoCdApplication(labels, object.getMetadata().getAnnotations()).ifPresent(argoApplications::add);
        }
        for (String flux : fluxReleases) {
            steps.add("  " + step++ + ". Flux lets go: HelmRelease " + flux + " manages this release, and would upgrade the"
                    + " set back or install the release again. In its source, set `spec.suspend: true` and let Flux apply"
                    + " it, then delete the HelmRelease from its source (Flux deletes a suspended HelmRelease without"
                    + " uninstalling its release). Then:");
            steps.add("       " + kubectl + "label " + CHART_KINDS + " -l " + setObjects + " "
                    + ReleaseOwnerKeys.FLUX_HELM_RELEASE_NAME + "- " + ReleaseOwnerKeys.FLUX_HELM_RELEASE_NAMESPACE + "-");
        }
        for (String application : argoApplications) {
            steps.add("  " + step++ + ". Argo CD lets go: application " + application + " tracks this set, and would sync"
                    + " it back or prune it. Turn off its automated sync, then remove the set from it without deleting"
                    + " anything (`argocd app delete " + application + " --cascade=false` if it holds nothing else). Then:");
            steps.add("       " + kubectl + "annotate " + CHART_KINDS + " -l " + setObjects + " "
                    + ReleaseOwnerKeys.ARGO_CD_TRACKING_ID + "-");
            steps.add("       " + kubectl + "label " + CHART_KINDS + " -l " + setObjects + " " + ReleaseOwnerKeys.ARGO_CD_INSTANCE
                    + "-");
        }
        steps.add("  " + step++ + ". arcfleet adopts: its daemon, once running with the imported file, holds the set as "
                + "HELM_RELEASE_STILL_OWNS and writes nothing of it until Helm has forgotten the release:");
        steps.add("       " + kubectl + "label " + CHART_KINDS + " -l " + setObjects + "," + ArcKeys.MANAGED_BY + "=" + HELM
                + " " + ReleaseOwnerKeys.HELM_CHART_LABEL + "- " + ArcKeys.MANAGED_BY + "=arcfleet --overwrite");
        if (record.isEmpty()) {
            steps.add("  " + step++ + ". Helm forgets: no record of release " + release + " was found (Helm forgot it, or"
                    + " keeps it where import could not read: a namespace it cannot list, HELM_DRIVER=sql). Check `helm"
                    + " list -A`; if it lists the release, delete its records, never `helm uninstall`, which deletes the"
                    + " set.");
        } else {
            steps.add("  " + step++ + ". Helm forgets: its records go, the objects stay (never `helm uninstall`, which"
                    + " deletes the set). The daemon then takes the set over and removes its meta.helm.sh annotations:");
            steps.add("       " + record.get().forgetCommand());
        }
        if (!releaseNamespace.equals(namespace)) {
            steps.add("  " + step + ". The daemon does not watch namespace " + releaseNamespace + ", so it cannot see that"
                    + " Helm forgot the release: once step " + (step - 1) + " is done, remove Helm's annotations:");
            steps.add("       " + kubectl + "annotate " + CHART_KINDS + " -l " + setObjects + " "
                    + String.join("- ", ReleaseOwnerKeys.HELM_ANNOTATIONS) + "-");
        }
        return steps;
    }
}
