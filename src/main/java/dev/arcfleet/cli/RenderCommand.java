package dev.arcfleet.cli;

import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.config.FleetConfig;
import dev.arcfleet.config.Owner;
import dev.arcfleet.config.RunnerSet;
import dev.arcfleet.render.ArcController;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = { "Prints every object the daemon would apply for a repositories.yaml, without a cluster,",
            "ready for `kubectl diff -f -` or review. Secrets are left out: they hold credentials." })
public class RenderCommand implements Callable<Integer> {

    @Mixin
    RepositoriesFile repositories;

    @Spec
    CommandSpec spec;

    @Inject
    ArcfleetConfig config;

    @Option(names = "--arc-version", description = "The ARC controller's version (default: arcfleet.arc.version unless auto).")
    String arcVersion;

    @Option(names = "--controller-service-account", defaultValue = "arc-gha-rs-controller",
            description = "The ARC controller's ServiceAccount when arcfleet.arc.controller-service-account is unset "
                    + "(default: ${DEFAULT-VALUE}, the controller chart's for release arc).")
    String controllerServiceAccount;

    @Option(names = "--kubernetes-minor-version", defaultValue = "33",
            description = "The cluster's Kubernetes minor version; 29 and later run dind as a native sidecar (default: ${DEFAULT-VALUE}).")
    int kubernetesMinorVersion;

    @Override
    public Integer call() {
        String version = arcVersion != null ? arcVersion : config.arc().version();
        if ("auto".equals(version)) {
            spec.commandLine().getErr().println("give --arc-version: without a cluster the ARC controller's version is unknown");
            return 2;
        }
        ArcController controller = new ArcController(version,
                config.arc().controllerServiceAccount().orElse(controllerServiceAccount), config.arc().controllerNamespace());
        ClusterFacts facts = new ClusterFacts(config.namespace(), config.github().url(), controller, kubernetesMinorVersion,
                config.cache().nodeRoot(), Owner.of(config).value());
        FleetConfig fleet = repositories.parseOrFail();
        KubernetesSerialization serialization = new KubernetesSerialization();
        GithubCredentials placeholder = new GithubCredentials.Token("");
        StringBuilder out = new StringBuilder();
        for (RunnerSet set : fleet.runnerSets()) {
            for (HasMetadata object : RunnerSetRenderer.render(set, facts, placeholder).allObjects()) {
                if (object instanceof Secret) {
                    out.append("# Secret ").append(object.getMetadata().getName()).append(" omitted: it holds credentials\n");
                    continue;
                }
                String yaml = serialization.asYaml(object);
                out.append(yaml.startsWith("---") ? yaml : "---\n" + yaml);
            }
        }
        spec.commandLine().getOut().print(out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
