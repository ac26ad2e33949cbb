package dev.arcfleet.cli;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import dev.arcfleet.fleet.ArcRequirements;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.RunnerSet;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.render.GithubCredentials;
import dev.arcfleet.render.RunnerSetRenderer;
import dev.arcfleet.settings.ArcfleetConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = { "Prints every object the daemon would apply for a repositories.yaml, ready for",
            "`kubectl diff -f -` or review. Secrets are left out: they hold credentials. Without --arc-version,",
            "reads the ARC controller's version from the cluster KUBECONFIG points at, if any." })
public class RenderCommand implements Callable<Integer> {

    @Mixin
    RepositoriesFile repositories;

    @Spec
    CommandSpec spec;

    @Inject
    ArcfleetConfig config;

    @Mixin
    ClusterFactsOptions clusterFacts;

    @Override
    public Integer call() {
        FleetConfig fleet = repositories.parseOrFail();
        Optional<ClusterFacts> facts;
        if (clusterFacts.pinned(config)) {
            facts = clusterFacts.facts(config, config.namespace(), Optional.empty(), spec.commandLine().getErr());
        } else {
            Optional<KubernetesClient> cluster = ClusterAccess.configured();
            try {
                facts = clusterFacts.facts(config, config.namespace(), cluster, spec.commandLine().getErr());
            } finally {
                cluster.ifPresent(KubernetesClient::close);
            }
        }
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
}
