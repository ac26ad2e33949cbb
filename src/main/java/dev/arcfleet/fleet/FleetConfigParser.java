package dev.arcfleet.fleet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.RunnerPaths;
import dev.arcfleet.chart.SetNames;
import dev.arcfleet.fleet.Fields.Problems;
import dev.arcfleet.fleet.FleetSchema.Defaults;
import dev.arcfleet.fleet.RepositoryConfig.CacheVolume;
import dev.arcfleet.settings.ArcfleetConfig;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Turns {@code repositories.yaml} into a {@link FleetConfig}, or into every problem found, each
 * message naming the repository and field. Nothing is silently ignored: a misspelled key is an error.
 */
public final class FleetConfigParser {


    private static final Set<String> ACCESS_MODES = Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");

    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?");
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?");
    /** Kubernetes resource.Quantity, positive: a decimal number with a binary or decimal SI suffix or an exponent. */
    private static final Pattern QUANTITY = Pattern.compile(
            "\\+?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?");

    private static final int MAX_INSTANCES = 100;
    /** Leaves room for the "cache-" prefix of its volume name within a DNS label. */
    private static final int MAX_CACHE_NAME_LENGTH = 57;


    /** Far beyond any real repositories.yaml, and small enough that parsing it stays cheap. */
    public static final int MAX_TEXT_CHARACTERS = 512 * 1024;
    /** A runner set of one kind node; ARC's chart sets no limit, so this only catches typos. */
    private static final int MAX_RUNNERS = 1000;

    private final YAMLMapper mapper = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private final int maxSets;

    /** With the daemon's default {@code arcfleet.max-sets}. */
    public FleetConfigParser() {
        this(Integer.parseInt(ArcfleetConfig.DEFAULT_MAX_SETS));
    }

    public FleetConfigParser(int maxSets) {
        this.maxSets = maxSets;
    }

    public FleetConfig parse(String yaml) throws InvalidFleetConfigException {
        if (yaml.length() > MAX_TEXT_CHARACTERS) {
            throw new InvalidFleetConfigException(List.of("is " + yaml.length() + " characters long, more than the "
                    + MAX_TEXT_CHARACTERS + " arcfleet reads"));
        }
        JsonNode root;
        try {
            root = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new InvalidFleetConfigException(List.of("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
        }
        Problems problems = new Problems();
        if (root == null || !root.isObject()) {
            throw new InvalidFleetConfigException(List.of("must be a mapping with a 'repositories' list"));
        }
        problems.unknownKeys("", root, FleetSchema.TOP_LEVEL);

        Defaults defaults = FleetSchema.BUILT_IN_DEFAULTS;
        JsonNode defaultsNode = root.get("defaults");
        if (defaultsNode != null && !defaultsNode.isNull()) {
            if (!defaultsNode.isObject()) {
                problems.add("defaults: must be a mapping");
            } else {
                problems.unknownKeys("defaults: ", defaultsNode, FleetSchema.DEFAULTABLE);
                defaults = readDefaults(new Fields("defaults: ", defaultsNode, problems), FleetSchema.BUILT_IN_DEFAULTS);
            }
        }

        List<RepositoryConfig> repositories = new ArrayList<>();
        JsonNode repositoriesNode = root.get("repositories");
        if (repositoriesNode == null || repositoriesNode.isNull()) {
            problems.add("repositories: required (an empty list, repositories: [], removes every runner set)");
        } else if (!repositoriesNode.isArray()) {
            problems.add("repositories: must be a list");
        } else {
            for (int index = 0; index < repositoriesNode.size(); index++) {
                readRepository(index, repositoriesNode.get(index), defaults, problems).ifPresent(repositories::add);
            }
        }
        long sets = repositories.stream().mapToLong(RepositoryConfig::instances).sum();
        if (sets > maxSets) {
            // Checked before anything costs per set: a huge fleet is refused before it is built.
            problems.add("describes " + sets + " runner sets, more than arcfleet.max-sets (" + maxSets + ") allows;"
                    + " nothing is changed");
            problems.throwIfAny();
        }
        rejectDuplicates(repositories, problems);
        problems.throwIfAny();
        return new FleetConfig(repositories);
    }

    private Optional<RepositoryConfig> readRepository(int index, JsonNode node, Defaults defaults, Problems problems) {
        if (!node.isObject()) {
            problems.add("repositories[" + index + "]: must be a mapping with at least 'name'");
            return Optional.empty();
        }
        JsonNode nameNode = node.get("name");
        String label = nameNode != null && nameNode.isTextual() ? nameNode.asText() : "repositories[" + index + "]";
        String context = "repository " + label + ": ";
        int problemsBefore = problems.count();
        problems.unknownKeys(context, node, FleetSchema.REPOSITORY);
        Fields fields = new Fields(context, node, problems);

        String owner = null;
        String repo = null;
        Optional<String> name = fields.text("name");
        if (name.isEmpty()) {
            if (nameNode == null) {
                problems.add(context + "name: required (owner/repo)");
            }
        } else {
            String[] parts = name.get().split("/", -1);
            if (parts.length != 2 || !OWNER.matcher(parts[0]).matches() || !REPO.matcher(parts[1]).matches()
                    || parts[1].equals(".") || parts[1].equals("..")) {
                problems.add(context + "name: must be a GitHub repository as owner/repo, got '" + name.get() + "'");
            } else {
                owner = parts[0];
                repo = parts[1];
            }
        }
        Defaults values = readDefaults(fields, defaults);
        ChartValuesReader.checkRepository(fields, values.containerMode(), values.cachePaths(), values.cacheVolume(),
                values.chart());
        Optional<String> installationName = fields.text("installationName");
        installationName.ifPresent(value -> {
            if (!DNS_LABEL.matcher(value).matches()) {
                problems.add(context + "installationName: must be a lower-case DNS label, got '" + value + "'");
            }
        });
        List<String> explicitSetNames = explicitSetNames(fields);
        if (problems.count() > problemsBefore) {
            return Optional.empty();
        }
        String prefix = installationName.orElse(SetNames.defaultPrefix(owner, repo));
        WorkVolumeClaim claim = new WorkVolumeClaim(values.storageClassName(), values.accessModes(), values.storage());
        int instances = explicitSetNames.isEmpty() ? values.instances() : explicitSetNames.size();
        return Optional.of(new RepositoryConfig(owner, repo, instances, values.firstIndex(), values.minRunners(),
                values.maxRunners(), values.containerMode(), values.runnerImage(), claim, prefix, explicitSetNames,
                values.runnerGroup(), values.githubConfigSecret(), values.cachePaths(), values.maxCacheSizeBytes(),
                values.cacheVolume(), values.chart(), values.namespace()));
    }

    /**
     * {@code sets}: names kept as they are, such as a Helm release's {@code arc-runner-set}, routed by their position.
     * They replace the numbered names, so the repository's own {@code instances}, {@code firstIndex} or
     * {@code installationName} beside them would be ignored, and is refused instead.
     */
    private static List<String> explicitSetNames(Fields fields) {
        Optional<List<String>> names = fields.textList("sets");
        if (names.isEmpty()) {
            return List.of();
        }
        if (names.get().isEmpty() || names.get().size() > MAX_INSTANCES) {
            fields.problem("sets", "must name 1 to " + MAX_INSTANCES + " sets");
        }
        Set<String> seen = new HashSet<>();
        for (String name : names.get()) {
            if (!DNS_LABEL.matcher(name).matches() || name.length() > SetNames.MAX_SET_NAME_LENGTH) {
                fields.problem("sets", "each must be a lower-case DNS label of at most " + SetNames.MAX_SET_NAME_LENGTH
                        + " characters (the chart's limit), got '" + name + "'");
            } else if (!seen.add(name)) {
                fields.problem("sets", "names '" + name + "' twice");
            }
        }
        for (String numbering : List.of("instances", "firstIndex", "installationName")) {
            if (fields.node().has(numbering)) {
                fields.problem(numbering, "has no effect beside sets, which names every set itself");
            }
        }
        return names.get();
    }

    /** Reads every defaultable field present in {@code fields}, falling back to {@code inherited}. */
    private Defaults readDefaults(Fields fields, Defaults inherited) {
        // Inherited values were checked where they were written; only this block's own are checked here.
        Optional<Integer> ownInstances = fields.integer("instances");
        int instances = ownInstances.orElse(inherited.instances());
        if (ownInstances.isPresent() && (instances < 1 || instances > MAX_INSTANCES)) {
            fields.problem("instances", "must be between 1 and " + MAX_INSTANCES + ", got " + instances);
        }
        Optional<Integer> ownFirstIndex = fields.integer("firstIndex");
        int firstIndex = ownFirstIndex.orElse(inherited.firstIndex());
        if (ownFirstIndex.isPresent() && firstIndex != 0 && firstIndex != 1) {
            fields.problem("firstIndex", "must be 0 or 1, got " + firstIndex);
        }
        Optional<Integer> ownMinRunners = fields.integer("minRunners");
        Optional<Integer> ownMaxRunners = fields.integer("maxRunners");
        // The chart renders no maxRunners for a null one, as for an unset one, and ARC then sets no limit;
        // arcfleet's unset one is its default of 1, so null is how a repository says "no limit".
        boolean unlimited = fields.node().has("maxRunners") && fields.node().get("maxRunners").isNull();
        int minRunners = ownMinRunners.orElse(inherited.minRunners());
        Optional<Integer> maxRunners = unlimited ? Optional.empty() : ownMaxRunners.or(inherited::maxRunners);
        if ((minRunners < 0 || minRunners > MAX_RUNNERS) && ownMinRunners.isPresent()) {
            fields.problem("minRunners", "must be between 0 and " + MAX_RUNNERS + ", got " + minRunners);
        }
        if (ownMaxRunners.filter(max -> max < 0 || max > MAX_RUNNERS).isPresent()) {
            fields.problem("maxRunners", "must be between 0 and " + MAX_RUNNERS + ", got " + ownMaxRunners.get()
                    + " (or null: no limit)");
        }
        if ((ownMinRunners.isPresent() || ownMaxRunners.isPresent()) && maxRunners.filter(max -> minRunners > max).isPresent()) {
            fields.problem("minRunners", "must not exceed maxRunners (" + minRunners + " > " + maxRunners.get() + ")");
        }
        ContainerMode containerMode = fields.text("containerMode").map(value -> ContainerMode.fromYamlName(value)
                .orElseGet(() -> {
                    fields.problem("containerMode", "must be one of " + ContainerMode.allYamlNames() + ", got '" + value + "'");
                    return inherited.containerMode();
                })).orElse(inherited.containerMode());
        String runnerImage = fields.text("runnerImage").orElse(inherited.runnerImage());
        if (runnerImage.isBlank()) {
            fields.problem("runnerImage", "must not be empty");
        }
        Optional<String> runnerGroup = fields.text("runnerGroup").or(() -> inherited.runnerGroup());
        runnerGroup.filter(String::isBlank).ifPresent(blank -> fields.problem("runnerGroup", "must not be empty"));
        Optional<String> githubConfigSecret = fields.text("githubConfigSecret").or(() -> inherited.githubConfigSecret());
        githubConfigSecret.filter(secret -> !DNS_SUBDOMAIN.matcher(secret).matches())
                .ifPresent(secret -> fields.problem("githubConfigSecret", "must be a Secret name, got '" + secret + "'"));

        Optional<String> storageClassName = inherited.storageClassName();
        List<String> accessModes = inherited.accessModes();
        String storage = inherited.storage();
        Optional<Fields> claim = fields.mapping("workVolumeClaimTemplate", FleetSchema.WORK_VOLUME_CLAIM);
        if (claim.isPresent()) {
            storageClassName = claim.get().text("storageClassName").or(() -> inherited.storageClassName());
            storageClassName.filter(name -> !DNS_SUBDOMAIN.matcher(name).matches()).ifPresent(
                    name -> claim.get().problem("storageClassName", "must be a StorageClass name, got '" + name + "'"));
            accessModes = claim.get().textList("accessModes").orElse(inherited.accessModes());
            for (String mode : accessModes) {
                if (!ACCESS_MODES.contains(mode)) {
                    claim.get().problem("accessModes", "unknown access mode '" + mode + "'");
                }
            }
            if (accessModes.isEmpty()) {
                claim.get().problem("accessModes", "must name at least one access mode");
            }
            storage = claim.get().text("storage").orElse(inherited.storage());
            if (!QUANTITY.matcher(storage).matches() || storage.replaceAll("[^1-9]", "").isEmpty()) {
                claim.get().problem("storage", "must be a positive Kubernetes quantity such as 10Gi, got '" + storage + "'");
            }
        }
        List<CachePath> cachePaths = readCachePaths(fields).orElse(inherited.cachePaths());
        Optional<Long> maxCacheSizeBytes = fields.text("maxCacheSize").flatMap(size -> {
            Optional<Long> bytes = positiveBytes(size);
            if (bytes.isEmpty()) {
                fields.problem("maxCacheSize", "must be a positive Kubernetes quantity such as 20Gi, got '" + size + "'");
            }
            return bytes;
        }).or(() -> inherited.maxCacheSizeBytes());
        CacheVolume cacheVolume = readCacheVolume(fields, inherited.cacheVolume());
        // Said where either is written, so a conflict between defaults and a repository names the repository.
        if ((fields.node().has("maxCacheSize") || fields.node().has("cacheVolume")) && maxCacheSizeBytes.isPresent()
                && cacheVolume instanceof CacheVolume.Claim) {
            fields.problem("maxCacheSize", "does not apply to a cacheVolume of type " + CacheVolume.PERSISTENT_VOLUME_CLAIM
                    + ": the claim's storage is its limit; remove one of the two");
        }
        ChartValues chart = ChartValuesReader.read(fields, inherited.chart());
        // Whether arcfleet watches it is the daemon's to say, set by set (arcfleet.runner-namespaces), not the file's.
        Optional<String> namespace = fields.text("namespace").or(inherited::namespace);
        namespace.filter(name -> !DNS_LABEL.matcher(name).matches())
                .ifPresent(name -> fields.problem("namespace", "must be a namespace name (a lower-case DNS label), got '" + name + "'"));
        return new Defaults(instances, firstIndex, minRunners, maxRunners, containerMode, runnerImage, storageClassName,
                accessModes, storage, runnerGroup, githubConfigSecret, cachePaths, maxCacheSizeBytes, cacheVolume, chart, namespace);
    }

    /**
     * The type is inherited unless given; a claim's fields are inherited field by field from a claim, as
     * {@code workVolumeClaimTemplate}'s are.
     */
    private CacheVolume readCacheVolume(Fields fields, CacheVolume inherited) {
        Optional<Fields> volume = fields.mapping("cacheVolume", FleetSchema.CACHE_VOLUME);
        if (volume.isEmpty()) {
            return inherited;
        }
        Fields own = volume.get();
        Optional<String> type = own.text("type");
        boolean claim = type.map(CacheVolume.PERSISTENT_VOLUME_CLAIM::equals).orElse(inherited instanceof CacheVolume.Claim);
        if (type.isPresent() && !type.get().equals(CacheVolume.HOST_PATH) && !claim) {
            own.problem("type", "must be " + CacheVolume.HOST_PATH + " or " + CacheVolume.PERSISTENT_VOLUME_CLAIM
                    + ", got '" + type.get() + "'");
            return inherited;
        }
        if (!claim) {
            for (String key : List.of("storageClassName", "storage", "accessModes")) {
                if (own.node().has(key)) {
                    own.problem(key, "applies only to type " + CacheVolume.PERSISTENT_VOLUME_CLAIM);
                }
            }
            return new CacheVolume.HostPath();
        }
        Optional<CacheVolume.Claim> from = inherited instanceof CacheVolume.Claim inheritedClaim
                ? Optional.of(inheritedClaim) : Optional.empty();
        Optional<String> storageClassName = own.text("storageClassName").or(() -> from.flatMap(CacheVolume.Claim::storageClassName));
        storageClassName.filter(name -> !DNS_SUBDOMAIN.matcher(name).matches()).ifPresent(
                name -> own.problem("storageClassName", "must be a StorageClass name, got '" + name + "'"));
        List<String> accessModes = own.textList("accessModes")
                .orElse(from.map(CacheVolume.Claim::accessModes).orElse(FleetSchema.CACHE_CLAIM_ACCESS_MODES));
        accessModes.stream().filter(mode -> !ACCESS_MODES.contains(mode))
                .forEach(mode -> own.problem("accessModes", "unknown access mode '" + mode + "'"));
        if (accessModes.isEmpty()) {
            own.problem("accessModes", "must name at least one access mode");
        }
        Optional<String> storage = own.text("storage").or(() -> from.map(CacheVolume.Claim::storage));
        if (storage.isEmpty()) {
            own.problem("storage", "required for type " + CacheVolume.PERSISTENT_VOLUME_CLAIM + ", such as 20Gi");
            return inherited;
        }
        if (positiveBytes(storage.get()).isEmpty()) {
            own.problem("storage", "must be a positive Kubernetes quantity such as 20Gi, got '" + storage.get() + "'");
        }
        return new CacheVolume.Claim(storageClassName, accessModes, storage.get());
    }

    /** A repository's list replaces the defaults' list as a whole. */
    private Optional<List<CachePath>> readCachePaths(Fields fields) {
        Optional<List<Fields>> entries = fields.mappingList("cachePaths", FleetSchema.CACHE_PATH);
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        List<CachePath> cachePaths = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> paths = new HashSet<>();
        for (Fields entry : entries.get()) {
            Optional<String> name = entry.text("name");
            Optional<String> path = entry.text("path");
            if (name.isEmpty() || path.isEmpty()) {
                for (String key : List.of("name", "path")) {
                    if (entry.node().get(key) == null) {
                        entry.problem(key, "required");
                    }
                }
                continue;
            }
            String normalized = path.get().length() > 1 ? path.get().replaceAll("/{2,}", "/").replaceAll("/$", "") : path.get();
            if (!DNS_LABEL.matcher(name.get()).matches() || name.get().length() > MAX_CACHE_NAME_LENGTH) {
                entry.problem("name", "must be a lower-case DNS label of at most " + MAX_CACHE_NAME_LENGTH
                        + " characters (its volume is named cache-<name>), got '" + name.get() + "'");
            } else if (!names.add(name.get())) {
                entry.problem("name", "duplicate cache name '" + name.get() + "'");
            }
            cacheMountProblem(normalized).ifPresentOrElse(problem -> entry.problem("path", problem), () -> {
                if (!paths.add(normalized)) {
                    entry.problem("path", "duplicate cache path '" + normalized + "'");
                }
            });
            cachePaths.add(new CachePath(name.get(), normalized));
        }
        if (cachePaths.isEmpty()) {
            fields.problem("cachePaths", "must list at least one cache (name and path)");
        }
        return Optional.of(cachePaths);
    }

    private static Optional<String> cacheMountProblem(String path) {
        if (!path.startsWith("/") || List.of(path.split("/")).stream().anyMatch(segment -> segment.equals(".") || segment.equals(".."))) {
            return Optional.of("must be an absolute path without '.' or '..' segments, got '" + path + "'");
        }
        return RunnerPaths.cacheMountProblem(path);
    }

    private static Optional<Long> positiveBytes(String quantity) {
        if (!QUANTITY.matcher(quantity).matches()) {
            return Optional.empty();
        }
        try {
            long bytes = Quantity.getAmountInBytes(new Quantity(quantity)).setScale(0, java.math.RoundingMode.CEILING)
                    .longValueExact();
            return bytes > 0 ? Optional.of(bytes) : Optional.empty();
        } catch (ArithmeticException tooLarge) {
            return Optional.empty();
        }
    }

    private static void rejectDuplicates(List<RepositoryConfig> repositories, Problems problems) {
        Map<String, String> repositoryByLowerName = new HashMap<>();
        Map<String, String> repositoryBySetName = new HashMap<>();
        for (RepositoryConfig repository : repositories) {
            String previous = repositoryByLowerName.putIfAbsent(repository.fullName().toLowerCase(Locale.ROOT),
                    repository.fullName());
            if (previous != null) {
                problems.add("repository " + repository.fullName() + ": name: duplicate of " + previous
                        + " (GitHub names are case-insensitive)");
                continue;
            }
            for (RunnerSet set : repository.runnerSets()) {
                String owner = repositoryBySetName.putIfAbsent(set.name(), repository.fullName());
                if (owner != null) {
                    problems.add("repository " + repository.fullName() + ": runner set name " + set.name()
                            + " is also derived for " + owner + " (set installationName to tell them apart)");
                    break;
                }
            }
        }
    }
}
