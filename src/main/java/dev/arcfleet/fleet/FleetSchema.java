package dev.arcfleet.fleet;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.RunnerPaths;

/**
 * The repositories file's keys and built-in defaults, in one place: the parser refuses any other key, the import
 * writes fields in this order, and docs/configuration.md's field table is held to it by a test.
 */
public final class FleetSchema {

    /** The ConfigMap's key that holds the file. */
    public static final String CONFIG_MAP_KEY = "repositories.yaml";
    /** The chart's runner image, arcfleet's default. */
    public static final String DEFAULT_RUNNER_IMAGE = "ghcr.io/actions/actions-runner:latest";

    public static final Set<String> TOP_LEVEL = Set.of("defaults", "repositories");
    /** A repository's own: never inherited from {@code defaults}. */
    public static final List<String> REPOSITORY_ONLY = List.of("name", "installationName", "sets");
    /** arcfleet's fields, which the chart has no value for or names otherwise. */
    public static final List<String> ARCFLEET = List.of("instances", "firstIndex", "cachePaths", "maxCacheSize", "cacheVolume", "namespace");
    /**
     * Fields that are the chart's values, in the order the import writes them: the order of the chart's
     * {@code values.yaml}, the mode first.
     */
    public static final List<String> CHART = List.of("githubConfigUrl", "containerMode", "runnerImage", "minRunners",
            "maxRunners", "runnerGroup", "githubConfigSecret", "workVolumeClaimTemplate", "kubernetesModeAdditionalRoleRules",
            "runnerScaleSetLabels", "scaleSetLabels", "labels", "annotations", "resourceMeta", "githubServerTLS", "proxy", "listenerTemplate",
            "listenerMetrics", "controllerServiceAccount", "dind", "template");
    public static final Set<String> DEFAULTABLE = union(ARCFLEET, CHART);
    /** Chart values arcfleet refuses, and why: a repository giving one learns that, not that the key is unknown. */
    public static final Map<String, String> NOT_SUPPORTED = Map.of("keyVault", "arcfleet reads credentials from"
            + " Kubernetes Secrets only: it keeps a set's credentials Secret until ARC has deregistered the deleted set,"
            + " and hashes them into the set, which a vault allows neither");
    public static final Set<String> REPOSITORY = union(REPOSITORY_ONLY, List.copyOf(DEFAULTABLE));
    public static final Set<String> WORK_VOLUME_CLAIM = Set.of("storageClassName", "accessModes", "storage");
    public static final Set<String> CACHE_PATH = Set.of("name", "path");
    public static final Set<String> CACHE_VOLUME = Set.of("type", "storageClassName", "storage", "accessModes");

    /** A cache claim's access modes when none are given: the set's pods share one node. */
    static final List<String> CACHE_CLAIM_ACCESS_MODES = List.of("ReadWriteOnce");

    static final Defaults BUILT_IN_DEFAULTS = new Defaults(1, 1, 0, Optional.of(1), ContainerMode.KUBERNETES, DEFAULT_RUNNER_IMAGE,
            Optional.empty(), List.of("ReadWriteOnce"), "10Gi", Optional.empty(), Optional.empty(),
            List.of(new CachePath("cache", RunnerPaths.DEFAULT_CACHE)), Optional.empty(),
            new RepositoryConfig.CacheVolume.HostPath(), ChartValues.NONE, Optional.empty());

    private FleetSchema() {
    }

    /**
     * The values a repository inherits when it does not set them: {@link FleetSchema#BUILT_IN_DEFAULTS}, overridden by
     * the file's {@code defaults}. Each component is the field of the same name ({@code maxCacheSizeBytes} is
     * {@code maxCacheSize} read, an empty {@code maxRunners} is {@code maxRunners: null}: no limit, {@code storageClassName}, {@code accessModes} and {@code storage} are
     * {@code workVolumeClaimTemplate}'s, and {@code chart} holds the chart's values, an empty {@code namespace} is the daemon's
     * {@code arcfleet.namespace}).
     */
    record Defaults(int instances, int firstIndex, int minRunners, Optional<Integer> maxRunners, ContainerMode containerMode, String runnerImage,
            Optional<String> storageClassName, List<String> accessModes, String storage, Optional<String> runnerGroup,
            Optional<String> githubConfigSecret, List<CachePath> cachePaths, Optional<Long> maxCacheSizeBytes,
            RepositoryConfig.CacheVolume cacheVolume, ChartValues chart, Optional<String> namespace) {
    }

    /** Every field of a repository, its own first. */
    public static List<String> repositoryFields() {
        return List.copyOf(REPOSITORY);
    }

    /** In order: the first's, then the second's. */
    private static Set<String> union(List<String> first, List<String> second) {
        Set<String> union = new LinkedHashSet<>(first);
        union.addAll(second);
        return Collections.unmodifiableSet(union);
    }
}
