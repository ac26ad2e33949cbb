package dev.arcfleet.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.arcfleet.status.SetStatus;
import dev.arcfleet.status.SetStatus.Reason;
import dev.arcfleet.testing.ArcControllerStandIn;
import dev.arcfleet.testing.FleetFixture;
import dev.arcfleet.testing.HelmReleases;
import dev.arcfleet.testing.Kubectl;
import dev.arcfleet.testing.Poll;
import dev.arcfleet.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A Helm-made set handed over by label while Helm, Flux or Argo CD still claims it: the daemon writes nothing of it
 * and says why, and takes it over, without deleting anything, once the claim ends.
 */
class ReleaseOwnershipTest {

    private static final String SET = "arc-runner-acme-tools-1";
    private static final String CHART_KINDS = "autoscalingrunnersets,serviceaccounts,roles,rolebindings,secrets";
    private static final String HELM_MADE = "actions.github.com/scale-set-name=" + SET + ",app.kubernetes.io/managed-by=Helm";
    private static final String SET_OBJECTS = "actions.github.com/scale-set-name=" + SET;

    private FleetFixture fleet;

    @BeforeEach
    void setUp() {
        fleet = FleetFixture.create("release-owner");
        fleet.writeRepositories("""
                repositories:
                  - name: acme/tools
                    containerMode: kubernetes
                    runnerImage: ghcr.io/actions/actions-runner:2.321.0
                    minRunners: 0
                    maxRunners: 2
                """);
    }

    @AfterEach
    void tearDown() {
        fleet.close();
    }

    @Test
    void aSetWhoseReleaseHelmStillRecordsIsLeftAloneUntilHelmForgetsIt() {
        ArcControllerStandIn arc = fleet.startArcController(FleetFixture.ARC_VERSION);
        HelmReleases.install(fleet, "kubernetes-mode-release.yaml", SET, HelmReleases.KUBERNETES_MODE_VALUES);
        Poll.until(FleetFixture.TIMEOUT, "ARC to register the Helm-made set", () -> fleet.registeredByArc(SET));
        String uid = fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get().getMetadata().getUid();
        // The hand-over by label alone, Helm's record left in place: `helm uninstall` would still delete the set.
        Kubectl.run("-n", fleet.namespace, "label", CHART_KINDS, "-l", HELM_MADE, "app.kubernetes.io/managed-by=arcfleet",
                "--overwrite");
        Map<String, String> labelled = versions();

        FleetFixture.Converged held = fleet.converge();

        SetStatus status = status(held);
        assertEquals(Reason.HELM_RELEASE_STILL_OWNS, status.reason(), status.detail());
        assertTrue(status.detail().contains("sh.helm.release.v1." + SET + ".v1"), status.detail());
        assertTrue(status.detail().contains("delete secret -l owner=helm,name=" + SET), status.detail());
        assertEquals(0, held.writes());
        assertEquals(labelled, versions(), "nothing of the set is written while Helm owns it");

        // Helm forgets: the runbook's one command, objects untouched.
        Kubectl.run("-n", fleet.namespace, "delete", "secret", "-l", "owner=helm,name=" + SET);
        Poll.until(FleetFixture.TIMEOUT, "the informer to see the release record gone",
                () -> fleet.cache().helmReleaseRecords(fleet.namespace, SET).isEmpty());
        FleetFixture.Converged adopted = fleet.converge();

        assertEquals(SetStatus.State.READY, status(adopted).state(), status(adopted).detail());
        assertEquals(Map.of(), helmAnnotations(), "the objects keep nothing a later Helm release could claim them by");
        assertEquals(uid, fleet.runnerSets().inNamespace(fleet.namespace).withName(SET).get().getMetadata().getUid());
        assertEquals(List.of(), arc.deregistered, "nothing deregistered from GitHub");
        assertEquals(List.of(), TestApiServer.auditedRequests(fleet.namespace).stream()
                .filter(line -> line.contains("\"verb\":\"delete\"") && line.contains("\"resource\":\"autoscalingrunnersets\""))
                .toList(), "no AutoscalingRunnerSet deleted");
    }

    @Test
    void aReleaseRecordedInANamespaceTheDaemonDoesNotWatchIsNeverAssumedGone() {
        String recordNamespace = TestApiServer.freshNamespace(fleet.client, "release-records");
        HelmReleases.install(fleet, "kubernetes-mode-release.yaml", SET, HelmReleases.KUBERNETES_MODE_VALUES, recordNamespace);
        Kubectl.run("-n", fleet.namespace, "label", CHART_KINDS, "-l", HELM_MADE, "app.kubernetes.io/managed-by=arcfleet",
                "--overwrite");
        Kubectl.run("-n", recordNamespace, "delete", "secret", "-l", "owner=helm,name=" + SET);
        Map<String, String> labelled = versions();

        FleetFixture.Converged held = fleet.converge();

        SetStatus status = status(held);
        assertEquals(Reason.HELM_RELEASE_STILL_OWNS, status.reason(), status.detail());
        assertTrue(status.detail().contains("of namespace " + recordNamespace + ", whose records arcfleet does not watch"),
                status.detail());
        assertEquals(labelled, versions());

        Kubectl.run("-n", fleet.namespace, "annotate", CHART_KINDS, "-l", SET_OBJECTS, "meta.helm.sh/release-name-",
                "meta.helm.sh/release-namespace-");
        assertEquals(SetStatus.State.READY, status(fleet.converge()).state());
    }

    @Test
    void fluxAndArgoCdMarkersAreConflictsOfTheirOwn() {
        HelmReleases.install(fleet, "kubernetes-mode-release.yaml", SET, HelmReleases.KUBERNETES_MODE_VALUES);
        Kubectl.run("-n", fleet.namespace, "delete", "secret", "-l", "owner=helm,name=" + SET);
        Kubectl.run("-n", fleet.namespace, "label", CHART_KINDS, "-l", HELM_MADE, "app.kubernetes.io/managed-by=arcfleet",
                "helm.toolkit.fluxcd.io/name=" + SET, "helm.toolkit.fluxcd.io/namespace=flux-system", "--overwrite");
        Map<String, String> labelled = versions();

        FleetFixture.Converged flux = fleet.converge();

        assertEquals(Reason.FLUX_STILL_OWNS, status(flux).reason(), status(flux).detail());
        assertTrue(status(flux).detail().startsWith("Flux HelmRelease flux-system/" + SET + " still owns"), status(flux).detail());
        assertEquals(0, flux.writes());
        assertEquals(labelled, versions());

        Kubectl.run("-n", fleet.namespace, "label", CHART_KINDS, "-l", SET_OBJECTS, "helm.toolkit.fluxcd.io/name-",
                "helm.toolkit.fluxcd.io/namespace-");
        Kubectl.run("-n", fleet.namespace, "annotate", "serviceaccount", SET + "-gha-rs-kube-mode",
                "argocd.argoproj.io/tracking-id=runners:/ServiceAccount:" + fleet.namespace + "/" + SET + "-gha-rs-kube-mode");
        Map<String, String> tracked = versions();

        FleetFixture.Converged argo = fleet.converge();

        assertEquals(Reason.ARGO_CD_STILL_OWNS, status(argo).reason(), status(argo).detail());
        assertTrue(status(argo).detail().startsWith("Argo CD application runners still owns, left untouched: ServiceAccount "
                + SET + "-gha-rs-kube-mode"), status(argo).detail());
        assertEquals(0, argo.writes());
        assertEquals(tracked, versions());

        Kubectl.run("-n", fleet.namespace, "annotate", "serviceaccount", SET + "-gha-rs-kube-mode",
                "argocd.argoproj.io/tracking-id-");
        assertEquals(SetStatus.State.READY, status(fleet.converge()).state());
        assertEquals(Map.of(), helmAnnotations());
    }

    private SetStatus status(FleetFixture.Converged converged) {
        return converged.last().sets().stream().filter(set -> set.name().equals(SET)).findFirst().orElseThrow();
    }

    /** Each object of the set, as {@code Kind/name}, with its resourceVersion. */
    private Map<String, String> versions() {
        Map<String, String> versions = new TreeMap<>();
        objects().forEach(object -> versions.put(object.getKind() + "/" + object.getMetadata().getName(),
                object.getMetadata().getResourceVersion()));
        return versions;
    }

    private Map<String, String> helmAnnotations() {
        Map<String, String> left = new TreeMap<>();
        for (HasMetadata object : objects()) {
            Map<String, String> annotations = object.getMetadata().getAnnotations() == null ? Map.of()
                    : object.getMetadata().getAnnotations();
            annotations.keySet().stream().filter(key -> key.startsWith("meta.helm.sh/"))
                    .forEach(key -> left.put(object.getKind() + "/" + object.getMetadata().getName() + " " + key,
                            annotations.get(key)));
        }
        return left;
    }

    private List<HasMetadata> objects() {
        return java.util.stream.Stream.of(
                fleet.runnerSets().inNamespace(fleet.namespace).withLabel("actions.github.com/scale-set-name", SET).list()
                        .getItems(),
                fleet.client.serviceAccounts().inNamespace(fleet.namespace).withLabel("actions.github.com/scale-set-name", SET)
                        .list().getItems(),
                fleet.client.rbac().roles().inNamespace(fleet.namespace).withLabel("actions.github.com/scale-set-name", SET)
                        .list().getItems(),
                fleet.client.rbac().roleBindings().inNamespace(fleet.namespace)
                        .withLabel("actions.github.com/scale-set-name", SET).list().getItems(),
                fleet.client.secrets().inNamespace(fleet.namespace).withLabel("actions.github.com/scale-set-name", SET).list()
                        .getItems())
                .flatMap(List::stream).<HasMetadata>map(HasMetadata.class::cast).toList();
    }
}
