package dev.arcfleet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
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
import dev.arcfleet.chart.ReleaseOwnerKeys;
import dev.arcfleet.migrate.ClusterImport;
import dev.arcfleet.migrate.Finding;
import dev.arcfleet.migrate.HelmMadeSet;
import dev.arcfleet.migrate.HelmRelease;
import dev.arcfleet.migrate.HelmReleaseRecord;
import dev.arcfleet.migrate.RepositoriesFromValues;
import dev.arcfleet.render.ClusterFacts;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Placement;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = { "Prints the repositories.yaml that reproduces the Helm releases of ARC's gha-runner-scale-set chart,",
            "and on stderr a report of what it could not express and what the hand-over would change, and the commands",
            "that hand each release over. Reads the Helm-made sets in a namespace of the cluster KUBECONFIG points at",
            "and Helm's release records, or, with -f, `helm get values` output." })
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
        Optional<ClusterImport.Result> result = valuesFiles.isEmpty() ? fromCluster() : fromValues();
        if (result.isEmpty()) {
            return 2;
        }
        RepositoriesFromValues.Result imported = result.get().imported();
        if (claims) {
            Optional<String> problem = withClaims(imported.repositories());
            if (problem.isPresent()) {
                spec.commandLine().getErr().println(problem.get());
                return 2;
            }
        }
        if (imported.repositories().path("repositories").isEmpty()) {
            spec.commandLine().getErr().println("nothing to import");
            imported.findings().forEach(finding -> spec.commandLine().getErr().println("  " + finding));
            return 1;
        }
        spec.commandLine().getOut().print("# Imported by `arcfleet import`; read its report before handing the sets over"
                + " (docs/migrating-from-helm.md).\n" + KubectlYaml.document(imported.repositories()));
        spec.commandLine().getOut().flush();
        List<Finding> findings = imported.findings();
        spec.commandLine().getErr().printf("%d finding%s%s%n", findings.size(), findings.size() == 1 ? "" : "s",
                findings.isEmpty() ? "" : ":");
        findings.forEach(finding -> spec.commandLine().getErr().println("  " + finding));
        if (!result.get().handOver().isEmpty()) {
            spec.commandLine().getErr().println("Hand over each release, its steps in this order; nothing is deleted on the"
                    + " way:");
            result.get().handOver().forEach(spec.commandLine().getErr()::println);
        }
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

    private Optional<ClusterImport.Result> fromValues() {
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
        return Optional.of(new ClusterImport.Result(RepositoriesFromValues.of(releases, settings()), List.of()));
    }

    private Optional<ClusterImport.Result> fromCluster() {
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
            List<Finding> readingRecords = new ArrayList<>();
            List<HelmReleaseRecord> records = releaseRecords(client, where, readingRecords);
            spec.commandLine().getErr().printf("Read %d Helm-made set%s in namespace %s and %d Helm release record%s of the"
                    + " cluster at %s%n", sets.size(), sets.size() == 1 ? "" : "s", where, records.size(),
                    records.size() == 1 ? "" : "s", ClusterAccess.describe(client));
            ClusterImport.Result result = ClusterImport.of(where, sets, records, settings(), facts.get());
            List<Finding> findings = new ArrayList<>(readingRecords);
            findings.addAll(result.imported().findings());
            multiNodeWarning(client).ifPresent(findings::add);
            if (!where.equals(config.namespace())) {
                findings.add(new Finding("arcfleet.namespace", Finding.Kind.TO_DO, "arcfleet.namespace", "it is "
                        + config.namespace() + ": set it to " + where + ", or give these repositories `namespace: " + where
                        + "` and add " + where + " to arcfleet.runner-namespaces, or arcfleet creates new sets in "
                        + config.namespace() + " instead of taking these over"));
            }
            RepositoriesFromValues.Result imported = result.imported();
            return Optional.of(new ClusterImport.Result(new RepositoriesFromValues.Result(imported.repositories(),
                    imported.config(), findings), result.handOver()));
        } catch (KubernetesClientException e) {
            spec.commandLine().getErr().println("cannot read the cluster at " + cluster.get().getConfiguration().getMasterUrl()
                    + ": " + ClusterAccess.reason(e));
            return Optional.empty();
        }
    }

    /**
     * Helm's release records (Secrets, and ConfigMaps for HELM_DRIVER=configmap) in every namespace import may list,
     * else in {@code namespace}: a release installed with namespaceOverride is recorded where {@code helm -n} pointed,
     * not where its set is. Only their labels select them; their values never reach the output but through import.
     */
    static List<HelmReleaseRecord> releaseRecords(KubernetesClient client, String namespace, List<Finding> findings) {
        List<HelmReleaseRecord> records = new ArrayList<>();
        List<Secret> secrets;
        List<ConfigMap> configMaps;
        try {
            secrets = client.secrets().inAnyNamespace().withLabel(ReleaseOwnerKeys.HELM_RECORD_OWNER,
                    ReleaseOwnerKeys.HELM_RECORD_OWNER_VALUE).list().getItems();
            configMaps = client.configMaps().inAnyNamespace().withLabel(ReleaseOwnerKeys.HELM_RECORD_OWNER,
                    ReleaseOwnerKeys.HELM_RECORD_OWNER_VALUE).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            findings.add(new Finding("release records", Finding.Kind.TO_DO, "namespaces other than " + namespace,
                    "not readable (" + ClusterAccess.reason(e) + "): a release recorded elsewhere (namespaceOverride) is"
                            + " read from its set's objects only; check `helm list -A`"));
            secrets = client.secrets().inNamespace(namespace).withLabel(ReleaseOwnerKeys.HELM_RECORD_OWNER,
                    ReleaseOwnerKeys.HELM_RECORD_OWNER_VALUE).list().getItems();
            configMaps = client.configMaps().inNamespace(namespace).withLabel(ReleaseOwnerKeys.HELM_RECORD_OWNER,
                    ReleaseOwnerKeys.HELM_RECORD_OWNER_VALUE).list().getItems();
        }
        for (Secret secret : secrets) {
            Optional.ofNullable(secret.getData()).map(data -> data.get(ReleaseOwnerKeys.HELM_RECORD_DATA))
                    .flatMap(data -> decoded(secret, () -> HelmReleaseRecord.fromSecret(secret.getMetadata().getName(),
                            secret.getMetadata().getNamespace(), data), findings))
                    .ifPresent(records::add);
        }
        for (ConfigMap configMap : configMaps) {
            Optional.ofNullable(configMap.getData()).map(data -> data.get(ReleaseOwnerKeys.HELM_RECORD_DATA))
                    .flatMap(data -> decoded(configMap, () -> HelmReleaseRecord.fromConfigMap(configMap.getMetadata().getName(),
                            configMap.getMetadata().getNamespace(), data), findings))
                    .ifPresent(records::add);
        }
        return records;
    }

    private static Optional<HelmReleaseRecord> decoded(HasMetadata record, Supplier<HelmReleaseRecord> decode,
            List<Finding> findings) {
        try {
            return Optional.of(decode.get());
        } catch (IllegalArgumentException e) {
            findings.add(new Finding("release records", Finding.Kind.NOT_IMPORTED, record.getMetadata().getNamespace() + "/"
                    + record.getMetadata().getName(), "unreadable: " + e.getMessage()));
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
        Placement placement = Placement.current();
        return new RepositoriesFromValues.Settings(config.github().url(), config.github().credentialsSecret(),
                placement.credentialsNamespace(config), placement.credentialsNamespaceSource(config),
                namespace != null ? namespace : config.namespace());
    }
}
