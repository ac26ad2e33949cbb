package dev.arcfleet.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;

/** The hand-over's order when Flux or Argo CD manage the release: they let go first, and Helm forgets last. */
class HandOverStepsTest {

    private static final String KINDS = "autoscalingrunnersets,serviceaccounts,roles,rolebindings,secrets";
    private static final HelmReleaseRecord RECORD = new HelmReleaseRecord("secret", "sh.helm.release.v1.arc-runner-set.v2",
            "arc-runner-set", "arc-runners", 2, "deployed", "gha-runner-scale-set", "0.13.0",
            new ObjectMapper().createObjectNode());

    @Test
    void fluxLetsGoBeforeArcfleetClaimsAndHelmForgets() {
        List<String> steps = HandOverSteps.of("arc-runners", "arc-runner-set", "arc-runner-set", "arc-runners",
                Optional.of(RECORD), List.of(object(Map.of("helm.toolkit.fluxcd.io/name", "runners",
                        "helm.toolkit.fluxcd.io/namespace", "flux-system"), Map.of())));

        assertEquals(List.of(
                "kubectl -n arc-runners label " + KINDS + " -l actions.github.com/scale-set-name=arc-runner-set"
                        + " helm.toolkit.fluxcd.io/name- helm.toolkit.fluxcd.io/namespace-",
                "kubectl -n arc-runners label " + KINDS + " -l actions.github.com/scale-set-name=arc-runner-set,"
                        + "app.kubernetes.io/managed-by=Helm helm.sh/chart- app.kubernetes.io/managed-by=arcfleet --overwrite",
                "kubectl -n arc-runners delete secret -l owner=helm,name=arc-runner-set"), commands(steps));
        assertEquals("  1. Flux lets go: HelmRelease flux-system/runners manages this release, and would upgrade the set"
                + " back or install the release again. In its source, set `spec.suspend: true` and let Flux apply it, then"
                + " delete the HelmRelease from its source (Flux deletes a suspended HelmRelease without uninstalling its"
                + " release). Then:", steps.get(1));
    }

    @Test
    void argoCdLetsGoFirstByItsTrackingAnnotation() {
        List<String> steps = HandOverSteps.of("arc-runners", "arc-runner-set", "arc-runner-set", "arc-runners",
                Optional.of(RECORD), List.of(object(Map.of(), Map.of("argocd.argoproj.io/tracking-id",
                        "runners:/ServiceAccount:arc-runners/arc-runner-set-gha-rs-no-permission"))));

        assertEquals(List.of(
                "kubectl -n arc-runners annotate " + KINDS + " -l actions.github.com/scale-set-name=arc-runner-set"
                        + " argocd.argoproj.io/tracking-id-",
                "kubectl -n arc-runners label " + KINDS + " -l actions.github.com/scale-set-name=arc-runner-set"
                        + " argocd.argoproj.io/instance-",
                "kubectl -n arc-runners label " + KINDS + " -l actions.github.com/scale-set-name=arc-runner-set,"
                        + "app.kubernetes.io/managed-by=Helm helm.sh/chart- app.kubernetes.io/managed-by=arcfleet --overwrite",
                "kubectl -n arc-runners delete secret -l owner=helm,name=arc-runner-set"), commands(steps));
        assertTrue(steps.get(1).startsWith("  1. Argo CD lets go: application runners tracks this set"), steps.get(1));
    }

    private static List<String> commands(List<String> steps) {
        return steps.stream().map(String::strip).filter(line -> line.startsWith("kubectl ")).toList();
    }

    private static HasMetadata object(Map<String, String> labels, Map<String, String> annotations) {
        return new ServiceAccountBuilder().withNewMetadata().withName("arc-runner-set-gha-rs-no-permission")
                .withLabels(labels).withAnnotations(annotations).endMetadata().build();
    }
}
