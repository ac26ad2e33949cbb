package dev.arcfleet.cli;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import dev.arcfleet.config.ArcRequirements;
import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.FleetConfig;
import dev.arcfleet.config.RunnerSet;
import dev.arcfleet.reconcile.ArcControllerDiscovery;
import dev.arcfleet.reconcile.Outcome;
import dev.arcfleet.render.ArcController;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = { "Prints every object the daemon would apply for a repositories.yaml, ready for",
            "`kubectl diff -f -` or review. Secrets are left out: they hold credentials. Without --arc-version,",
            "reads the ARC controller's version from the cluster KUBECONFIG points at, if any." })
public class RenderCommand implements Callable<Integer> {

    static final int DEFAULT_KUBERNETES_MINOR_VERSION = 33;

    @Mixin
    RepositoriesFile repositories;

    @Spec
    CommandSpec spec;

    @Inject
    ArcfleetConfig config;

    @Option(names = "--arc-version", description = "The ARC controller's version (default: arcfleet.arc.version unless"
            + " auto, else read from the cluster).")
    String arcVersion;

    @Option(names = "--controller-service-account", defaultValue = "arc-gha-rs-controller",
            description = "Without a cluster: the ARC controller's ServiceAccount when arcfleet.arc.controller-service-account"
                    + " is unset (default: ${DEFAULT-VALUE}, the controller chart's for release arc).")
    String controllerServiceAccount;

    @Option(names = "--kubernetes-minor-version",
            description = "The cluster's Kubernetes minor version; 29 and later run dind as a native sidecar (default: the"
                    + " cluster's when it is read, else " + DEFAULT_KUBERNETES_MINOR_VERSION + ").")
    Integer kubernetesMinorVersion;

    @Override
    public Integer call() {
        FleetConfig fleet = repositories.parseOrFail();
        Optional<ClusterFacts> facts = facts();
        if (facts.isEmpty()) {
            return 2;
        }
        List<String> unsupported = fleet.repositories().stream()
                .flatMap(repository -> ArcRequirements.unmet(repository, facts.get().arcController().version()).stream())
                .toList();
        if (!unsupported.isEmpty()) {
            spec.commandLine().getErr().println("the daemon would not apply these repositories' sets:");
            unsupported.forEach(problem -> spec.commandLine().getErr().println("  " + problem));
            return 1;
        }
        GithubCredentials placeholder = new GithubCredentials.Token("");
        StringBuilder out = new StringBuilder();
        for (RunnerSet set : fleet.runnerSets()) {
            for (HasMetadata object : RunnerSetRenderer.render(set, facts.get(), placeholder).allObjects()) {
                if (object instanceof Secret) {
                    out.append("# Secret ").append(object.getMetadata().getName()).append(" omitted: it holds credentials\n");
                    continue;
                }
                out.append(KubectlYaml.document(object));
            }
        }
        spec.commandLine().getOut().print(out);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** What the daemon would read from the cluster: from the options, else from the cluster, saying so. */
    private Optional<ClusterFacts> facts() {
        String version = arcVersion != null ? arcVersion : config.arc().version();
        if (!"auto".equals(version)) {
            ArcController controller = new ArcController(version,
                    config.arc().controllerServiceAccount().orElse(controllerServiceAccount), config.arc().controllerNamespace());
            return Optional.of(facts(controller, Optional.ofNullable(kubernetesMinorVersion)
                    .orElse(DEFAULT_KUBERNETES_MINOR_VERSION)));
        }
        Optional<KubernetesClient> cluster = ClusterAccess.configured();
        if (cluster.isEmpty()) {
            spec.commandLine().getErr().println("give --arc-version: no cluster is configured (KUBECONFIG, ~/.kube/config)"
                    + " to read the ARC controller's version from");
            return Optional.empty();
        }
        try (KubernetesClient client = cluster.get()) {
            Outcome<ArcController> controller = ArcControllerDiscovery.discover(client, config);
            if (controller.value().isEmpty()) {
                spec.commandLine().getErr().println("give --arc-version: " + controller.problem());
                return Optional.empty();
            }
            int minor = kubernetesMinorVersion != null ? kubernetesMinorVersion : ClusterAccess.kubernetesMinorVersion(client);
            ArcController arc = controller.value().get();
            spec.commandLine().getErr().printf("Read from the cluster at %s: ARC controller %s (ServiceAccount %s/%s)%s%n",
                    ClusterAccess.describe(client), arc.version(), arc.serviceAccountNamespace(), arc.serviceAccountName(),
                    kubernetesMinorVersion != null ? "" : ", Kubernetes 1." + minor);
            return Optional.of(facts(arc, minor));
        } catch (KubernetesClientException e) {
            spec.commandLine().getErr().println("give --arc-version: cannot read the ARC controller from the cluster at "
                    + cluster.get().getConfiguration().getMasterUrl() + ": " + ClusterAccess.reason(e));
            return Optional.empty();
        }
    }

    private ClusterFacts facts(ArcController controller, int minor) {
        return new ClusterFacts(config.namespace(), config.github().url(), controller, minor, config.cache().nodeRoot());
    }
}
