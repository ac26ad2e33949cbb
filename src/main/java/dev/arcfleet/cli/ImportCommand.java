package dev.arcfleet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.migrate.ClusterImport;
import dev.arcfleet.migrate.Finding;
import dev.arcfleet.migrate.HelmMadeSet;
import dev.arcfleet.migrate.HelmRelease;
import dev.arcfleet.migrate.RepositoriesFromValues;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.settings.ArcfleetConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = { "Prints the repositories.yaml that reproduces the Helm releases of ARC's gha-runner-scale-set chart,",
            "and on stderr a report of what it could not express and what the hand-over would change. Reads the",
            "Helm-made sets in a namespace of the cluster KUBECONFIG points at, or, with -f, `helm get values` output." })
public class ImportCommand implements Callable<Integer> {

    static final String HELM = "Helm";
    private static final String NODE_CONDITION_TAINTS = "node.kubernetes.io/";

    @Spec
    CommandSpec spec;

    @Inject
    ArcfleetConfig config;

    @Option(names = { "-f", "--values" }, paramLabel = "VALUES.yaml",
            description = "`helm get values RELEASE` output, one file per release, named after the release"
                    + " (RELEASE.yaml). Without it, the cluster is read.")
    List<Path> valuesFiles = new ArrayList<>();

    @Option(names = { "-n", "--namespace" }, description = "Where the Helm-made sets are (default: arcfleet.namespace).")
    String namespace;

    @Option(names = "--cache-volume", paramLabel = "TYPE", defaultValue = RepositoryConfig.CacheVolume.HOST_PATH,
            description = "Where the imported sets keep their caches: hostPath (default; a directory on one node) or"
                    + " persistentVolumeClaim (a claim per set, for clusters of more than one node), written into defaults.")
    String cacheVolume;

    @Option(names = "--cache-storage", paramLabel = "QUANTITY", defaultValue = "10Gi",
            description = "With --cache-volume persistentVolumeClaim: each set's claim size (default: ${DEFAULT-VALUE}).")
    String cacheStorage;

    @Option(names = "--cache-storage-class", paramLabel = "NAME",
            description = "With --cache-volume persistentVolumeClaim: the claims' StorageClass (default: the cluster's).")
    String cacheStorageClass;

    @Mixin
    ClusterFactsOptions clusterFacts;

    @Override
    public Integer call() {
        boolean claims = cacheVolume.equals(RepositoryConfig.CacheVolume.PERSISTENT_VOLUME_CLAIM);
        if (!claims && !cacheVolume.equals(RepositoryConfig.CacheVolume.HOST_PATH)) {
            spec.commandLine().getErr().println("--cache-volume must be " + RepositoryConfig.CacheVolume.HOST_PATH + " or "
                    + RepositoryConfig.CacheVolume.PERSISTENT_VOLUME_CLAIM + ", got '" + cacheVolume + "'");
            return 2;
        }
        Optional<RepositoriesFromValues.Result> result = valuesFiles.isEmpty() ? fromCluster() : fromValues();
        if (result.isEmpty()) {
            return 2;
        }
        if (claims) {
            Optional<String> problem = withClaims(result.get().repositories());
            if (problem.isPresent()) {
                spec.commandLine().getErr().println(problem.get());
                return 2;
            }
        }
        if (result.get().repositories().path("repositories").isEmpty()) {
            spec.commandLine().getErr().println("nothing to import");
            result.get().findings().forEach(finding -> spec.commandLine().getErr().println("  " + finding));
            return 1;
        }
        spec.commandLine().getOut().print("# Imported by `arcfleet import`; read its report before handing the sets over"
                + " (README: Migrating from Helm releases).\n" + KubectlYaml.document(result.get().repositories()));
        spec.commandLine().getOut().flush();
        List<Finding> findings = result.get().findings();
        spec.commandLine().getErr().printf("%d finding%s%s%n", findings.size(), findings.size() == 1 ? "" : "s",
                findings.isEmpty() ? "" : ":");
        findings.forEach(finding -> spec.commandLine().getErr().println("  " + finding));
        return 0;
    }

    /**
     * Puts the claim into {@code defaults}, ahead of the repositories, and checks the file as the daemon would: the
     * storage and class come from the command line.
     */
    private Optional<String> withClaims(ObjectNode repositories) {
        ObjectNode defaults = repositories.has("defaults") ? (ObjectNode) repositories.remove("defaults")
                : repositories.objectNode();
        ObjectNode volume = defaults.putObject("cacheVolume").put("type", RepositoryConfig.CacheVolume.PERSISTENT_VOLUME_CLAIM);
        if (cacheStorageClass != null) {
            volume.put("storageClassName", cacheStorageClass);
        }
        volume.put("storage", cacheStorage);
        ObjectNode rest = repositories.deepCopy();
        repositories.removeAll();
        repositories.set("defaults", defaults);
        repositories.setAll(rest);
        try {
            new FleetConfigParser().parse(KubectlYaml.document(repositories));
            return Optional.empty();
        } catch (InvalidFleetConfigException e) {
            return Optional.of("the imported file with --cache-volume " + cacheVolume + " is not valid: "
                    + String.join("; ", e.problems()));
        }
    }

    /**
     * hostPath caches live on one node: on a cluster where runners may be scheduled on several, a runner elsewhere
     * finds an empty cache, or a directory arcfleet never manages. A node counts unless cordoned or tainted against
     * pods (a control plane); the node controller's own taints ({@code node.kubernetes.io/not-ready} and the like)
     * say how it is now, not whether runners go there.
     */
    private Optional<Finding> multiNodeWarning(KubernetesClient client) {
        if (!cacheVolume.equals(RepositoryConfig.CacheVolume.HOST_PATH)) {
            return Optional.empty();
        }
        try {
            long schedulable = client.nodes().list().getItems().stream().filter(node -> !Boolean.TRUE.equals(
                    node.getSpec().getUnschedulable()) && Optional.ofNullable(node.getSpec().getTaints()).orElse(List.of())
                            .stream().noneMatch(taint -> !taint.getKey().startsWith(NODE_CONDITION_TAINTS)
                                    && ("NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect()))))
                    .count();
            return schedulable <= 1 ? Optional.empty() : Optional.of(new Finding("cacheVolume", Finding.Kind.TO_DO,
                    "cacheVolume", "the cluster has " + schedulable + " schedulable nodes, and hostPath caches are"
                            + " node-local: a runner on another node than arcfleet's finds an empty cache; import with"
                            + " --cache-volume " + RepositoryConfig.CacheVolume.PERSISTENT_VOLUME_CLAIM
                            + " (README: More than one node)"));
        } catch (KubernetesClientException e) {
            return Optional.of(new Finding("cacheVolume", Finding.Kind.TO_DO, "cacheVolume", "cannot count the cluster's"
                    + " nodes (" + ClusterAccess.reason(e) + "): on more than one node, hostPath caches are node-local;"
                    + " see README: More than one node"));
        }
    }

    private Optional<RepositoriesFromValues.Result> fromValues() {
        YAMLMapper yaml = new YAMLMapper();
        List<HelmRelease> releases = new ArrayList<>();
        for (Path file : valuesFiles) {
            try {
                // `helm get values` without -o yaml prints this line above the values.
                String text = Files.readString(file).replaceFirst("^USER-SUPPLIED VALUES:\\s*\\n", "");
                JsonNode values = yaml.readTree(text);
                String release = file.getFileName().toString().replaceFirst("\\.(ya?ml|values)$", "");
                releases.add(new HelmRelease(release, values instanceof ObjectNode object ? object : yaml.createObjectNode()));
            } catch (JsonProcessingException e) {
                spec.commandLine().getErr().println(file + " is not YAML: " + e.getOriginalMessage());
                return Optional.empty();
            } catch (IOException e) {
                spec.commandLine().getErr().println("cannot read " + file + ": " + e.getMessage());
                return Optional.empty();
            }
        }
        return Optional.of(RepositoriesFromValues.of(releases, settings()));
    }

    private Optional<RepositoriesFromValues.Result> fromCluster() {
        Optional<KubernetesClient> cluster = ClusterAccess.configured();
        if (cluster.isEmpty()) {
            spec.commandLine().getErr().println("no cluster is configured (KUBECONFIG, ~/.kube/config): give -f with"
                    + " `helm get values RELEASE` output instead");
            return Optional.empty();
        }
        try (KubernetesClient client = cluster.get()) {
            String where = namespace != null ? namespace : config.namespace();
            Optional<ClusterFacts> facts = clusterFacts.facts(config, where, cluster, spec.commandLine().getErr());
            if (facts.isEmpty()) {
                return Optional.empty();
            }
            List<HelmMadeSet> sets = helmMadeSets(client, where);
            spec.commandLine().getErr().printf("Read %d Helm-made set%s in namespace %s of the cluster at %s%n", sets.size(),
                    sets.size() == 1 ? "" : "s", where, ClusterAccess.describe(client));
            RepositoriesFromValues.Result result = ClusterImport.of(sets, settings(), facts.get());
            List<Finding> findings = new ArrayList<>(result.findings());
            multiNodeWarning(client).ifPresent(findings::add);
            if (where.equals(config.namespace())) {
                return Optional.of(new RepositoriesFromValues.Result(result.repositories(), result.config(), List.copyOf(findings)));
            }
            findings.add(new Finding("arcfleet.namespace", Finding.Kind.TO_DO, "arcfleet.namespace", "it is "
                    + config.namespace() + ": set it to " + where + ", or arcfleet creates new sets there instead of taking"
                    + " these over"));
            return Optional.of(new RepositoriesFromValues.Result(result.repositories(), result.config(), List.copyOf(findings)));
        } catch (KubernetesClientException e) {
            spec.commandLine().getErr().println("cannot read the cluster at " + cluster.get().getConfiguration().getMasterUrl()
                    + ": " + ClusterAccess.reason(e));
            return Optional.empty();
        }
    }

    /**
     * The chart's objects of each Helm-made AutoscalingRunnerSet in {@code namespace}. Secrets are not read: import
     * never needs credentials.
     */
    static List<HelmMadeSet> helmMadeSets(KubernetesClient client, String namespace) {
        List<HelmMadeSet> sets = new ArrayList<>();
        for (GenericKubernetesResource runnerSet : client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS)
                .inNamespace(namespace).withLabel(ArcKeys.MANAGED_BY, HELM).list().getItems()) {
            String set = runnerSet.getMetadata().getName();
            List<HasMetadata> companions = Stream.of(
                    client.serviceAccounts().inNamespace(namespace).withLabel(ArcKeys.MANAGED_BY, HELM)
                            .withLabel(ArcKeys.SCALE_SET_NAME, set).list().getItems(),
                    client.rbac().roles().inNamespace(namespace).withLabel(ArcKeys.MANAGED_BY, HELM)
                            .withLabel(ArcKeys.SCALE_SET_NAME, set).list().getItems(),
                    client.rbac().roleBindings().inNamespace(namespace).withLabel(ArcKeys.MANAGED_BY, HELM)
                            .withLabel(ArcKeys.SCALE_SET_NAME, set).list().getItems())
                    .flatMap(List::stream).<HasMetadata>map(HasMetadata.class::cast).toList();
            sets.add(new HelmMadeSet(runnerSet, companions));
        }
        return sets;
    }

    private RepositoriesFromValues.Settings settings() {
        return new RepositoriesFromValues.Settings(config.github().url(), config.github().credentialsSecret());
    }
}
