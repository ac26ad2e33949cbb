package dev.arcfleet.migrate;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.ReservedKeys;
import dev.arcfleet.chart.ResourceMetaTarget;
import dev.arcfleet.chart.RunnerPodNames;
import dev.arcfleet.chart.SetNames;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.FleetSchema;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.migrate.Finding.Kind;

/**
 * Turns chart releases' values into the repositories.yaml that reproduces them, with a finding for every value it
 * cannot express. Releases {@code <prefix>-1..N} with the same values become one repository of N instances.
 */
public final class RepositoriesFromValues {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The chart's own {@code template.spec.containers} of values.yaml, the image taken out: what arcfleet renders
     * for a template without containers, so import writes none for it.
     */
    private static final ArrayNode CHART_CONTAINERS = JSON.createArrayNode().add(JSON.createObjectNode()
            .put("name", RunnerPodNames.RUNNER_CONTAINER).set("command", JSON.createArrayNode().add(RunnerPodNames.RUNNER_COMMAND)));
    private static final YAMLMapper YAML = new YAMLMapper();
    /** A set name that may be {@code <prefix>-<index>}; its siblings decide whether it is. */
    private static final Pattern INSTANCE = Pattern.compile("(.+)-(0|[1-9][0-9]{0,2})");
    /** Chart values with a repositories.yaml field of the same name and meaning. */
    private static final List<String> SAME_NAME = List.of("runnerGroup", "listenerTemplate", "listenerMetrics",
            "githubServerTLS", "proxy");
    private static final Set<String> HANDLED = Set.of("githubConfigUrl", "githubConfigSecret", "runnerGroup", "minRunners",
            "maxRunners", "runnerScaleSetName", "scaleSetLabels", "containerMode", "template", "listenerTemplate",
            "listenerMetrics", "githubServerTLS", "proxy", "labels", "annotations", "resourceMeta", "keyVault",
            "namespaceOverride", "controllerServiceAccount", "nameOverride");
    /**
     * The order docs/configuration.md's field table lists a repository's fields in, the pod template last since it
     * is the longest.
     */
    private static final Set<String> WORK_VOLUME_CLAIM_KEYS = Set.of("accessModes", "storageClassName", "resources");

    /**
     * @param credentialsSecret arcfleet.github.credentials-secret, which replaces credentials inlined in values
     * @param credentialsNamespace where arcfleet reads that Secret and every githubConfigSecret from
     * @param credentialsNamespaceSource why it is that namespace, for people
     * @param releaseNamespace where the releases' sets are, and a Secret a release names by name with them
     */
    public record Settings(String githubUrl, String credentialsSecret, String credentialsNamespace,
            String credentialsNamespaceSource, String releaseNamespace) {
    }

    /** @param config the imported file as the daemon reads it; empty if the daemon would refuse it (see findings) */
    public record Result(ObjectNode repositories, Optional<FleetConfig> config, List<Finding> findings) {
        public Result {
            findings = List.copyOf(findings);
        }
    }

    private RepositoriesFromValues() {
    }

    public static Result of(List<HelmRelease> releases, Settings settings) {
        List<Finding> findings = new ArrayList<>();
        Map<String, List<Imported>> byPrefix = new LinkedHashMap<>();
        for (HelmRelease release : releases) {
            // A name without a number is a group of its own, even if another set's prefix happens to equal it.
            imported(release, settings, findings).ifPresent(imported -> byPrefix
                    .computeIfAbsent(imported.number.isPresent() ? imported.prefix : "=" + imported.set,
                            prefix -> new ArrayList<>()).add(imported));
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode repositories = root.putArray("repositories");
        Set<String> names = new HashSet<>();
        for (List<Imported> group : byPrefix.values()) {
            repositories.add(repository(group, settings, names, findings));
        }
        return new Result(root, parsed(root, findings), findings);
    }

    /** The daemon's own check of what import wrote; a problem there is one to fix by hand. */
    private static Optional<FleetConfig> parsed(ObjectNode repositories, List<Finding> findings) {
        try {
            return Optional.of(new FleetConfigParser().parse(YAML.writeValueAsString(repositories)));
        } catch (InvalidFleetConfigException e) {
            e.problems().forEach(problem -> findings.add(new Finding("repositories.yaml", Kind.TO_DO, problem,
                    "the daemon would refuse the imported file until this is fixed")));
            return Optional.empty();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree that does not serialise", e);
        }
    }

    /** One release's values as a repository's fields; empty if it has no githubConfigUrl to import from. */
    private static Optional<Imported> imported(HelmRelease release, Settings settings, List<Finding> findings) {
        String set = release.setName();
        ObjectNode values = release.values();
        Optional<GithubTarget> target = GithubTarget.of(values.path("githubConfigUrl").asText(""));
        if (target.isEmpty()) {
            findings.add(new Finding(set, Kind.NOT_IMPORTED, "githubConfigUrl",
                    "missing or not a GitHub URL; the release is left out"));
            return Optional.empty();
        }
        ObjectNode fields = JSON.createObjectNode();
        Fields out = new Fields(set, fields, findings);
        ContainerMode mode = containerMode(values.path("containerMode"), out);
        fields.put("containerMode", mode.yamlName());
        template(values.path("template"), mode, out);
        minMax(values, out);
        credentials(values.path("githubConfigSecret"), set, settings, out);
        for (String key : SAME_NAME) {
            if (present(values.path(key))) {
                fields.set(key, values.get(key));
            }
        }
        if (values.path("scaleSetLabels").isArray() && !values.path("scaleSetLabels").isEmpty()) {
            fields.set("runnerScaleSetLabels", values.get("scaleSetLabels"));
        }
        metadata(values, out);
        controllerServiceAccount(values.path("controllerServiceAccount"), out);
        notSupported(values, out);
        for (Iterator<String> keys = values.fieldNames(); keys.hasNext();) {
            String key = keys.next();
            if (!HANDLED.contains(key) && !key.equals("scaleSetLabels")) {
                out.finding(Kind.IGNORED_BY_THE_CHART, key, "not a value of the chart");
            }
        }
        Matcher instance = INSTANCE.matcher(set);
        String prefix = instance.matches() ? instance.group(1) : set;
        Optional<Integer> number = instance.matches() ? Optional.of(Integer.parseInt(instance.group(2))) : Optional.empty();
        return Optional.of(new Imported(release.name(), set, prefix, number, target.get(), fields));
    }

    private static ContainerMode containerMode(JsonNode containerMode, Fields out) {
        String type = containerMode.path("type").asText("");
        if (type.isEmpty()) {
            return ContainerMode.NONE;
        }
        Optional<ContainerMode> mode = ContainerMode.fromYamlName(type);
        if (mode.isEmpty() || mode.get() == ContainerMode.NONE) {
            out.finding(Kind.NOT_IMPORTED, "containerMode.type", "'" + type + "' is no container mode of the chart;"
                    + " imported as none, which the chart renders for it too");
            return ContainerMode.NONE;
        }
        if (mode.get().usesKubeModeServiceAccount()) {
            JsonNode rules = containerMode.path("kubernetesModeAdditionalRoleRules");
            if (rules.isArray() && !rules.isEmpty()) {
                out.fields.set("kubernetesModeAdditionalRoleRules", rules);
            }
        }
        if (mode.get() == ContainerMode.KUBERNETES) {
            workVolumeClaim(containerMode.path("kubernetesModeWorkVolumeClaim"), out);
        }
        return mode.get();
    }

    /** arcfleet's workVolumeClaimTemplate has the usual three fields; any other claim becomes the template's work volume. */
    private static void workVolumeClaim(JsonNode claim, Fields out) {
        if (!claim.isObject()) {
            return;
        }
        Set<String> keys = new HashSet<>();
        claim.fieldNames().forEachRemaining(keys::add);
        JsonNode requests = claim.path("resources").path("requests");
        boolean simple = WORK_VOLUME_CLAIM_KEYS.containsAll(keys) && claim.path("resources").size() == 1
                && requests.size() == 1 && requests.path("storage").isTextual();
        if (!simple) {
            ObjectNode work = JSON.createObjectNode().put("name", RunnerPodNames.WORK_VOLUME);
            work.putObject("ephemeral").putObject("volumeClaimTemplate").set("spec", claim);
            out.templateSpec().withArray("volumes").add(work);
            return;
        }
        ObjectNode template = out.fields.putObject("workVolumeClaimTemplate");
        if (claim.path("storageClassName").isTextual()) {
            template.put("storageClassName", claim.get("storageClassName").asText());
        }
        if (claim.path("accessModes").isArray()) {
            template.set("accessModes", claim.get("accessModes"));
        }
        template.put("storage", requests.get("storage").asText());
    }

    private static void template(JsonNode template, ContainerMode mode, Fields out) {
        if (!template.isObject()) {
            return;
        }
        JsonNode metadata = template.path("metadata");
        if (metadata.isObject()) {
            ObjectNode kept = JSON.createObjectNode();
            metadata.fields().forEachRemaining(entry -> {
                if (Set.of("labels", "annotations").contains(entry.getKey())) {
                    kept.set(entry.getKey(), entry.getValue());
                } else {
                    out.finding(Kind.IGNORED_BY_THE_CHART, "template.metadata." + entry.getKey(),
                            "the chart takes only labels and annotations");
                }
            });
            if (!kept.isEmpty()) {
                out.template().set("metadata", kept);
            }
        }
        JsonNode spec = template.path("spec");
        boolean runnerFound = false;
        for (Iterator<Map.Entry<String, JsonNode>> fields = spec.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            switch (field.getKey()) {
                case "containers" -> runnerFound = containers(field.getValue(), mode, out);
                case "initContainers" -> named(field.getValue(), mode == ContainerMode.DIND
                        ? Set.of(RunnerPodNames.DIND_CONTAINER, RunnerPodNames.DIND_EXTERNALS_CONTAINER) : Set.of(),
                        "template.spec.initContainers", "the dind mode renders its own", out)
                        .ifPresent(kept -> out.templateSpec().set("initContainers", kept));
                case "volumes" -> named(field.getValue(), mode == ContainerMode.DIND
                        ? Set.of(RunnerPodNames.DIND_SOCKET_VOLUME, RunnerPodNames.DIND_EXTERNALS_VOLUME) : Set.of(),
                        "template.spec.volumes", "the dind mode renders its own", out)
                        .ifPresent(kept -> out.templateSpec().withArray("volumes").addAll(kept));
                default -> out.templateSpec().set(field.getKey(), field.getValue());
            }
        }
        // Without a container mode neither renders a runner the list does not have.
        if (!runnerFound && spec.has("containers") && mode != ContainerMode.NONE) {
            out.finding(Kind.CHANGES_ON_HAND_OVER, "template.spec.containers",
                    "no runner container: the chart renders one with only a name; arcfleet's has runnerImage's image too");
        }
    }

    /** Takes the runner container apart into runnerImage and template; true if there was one. */
    private static boolean containers(JsonNode containers, ContainerMode mode, Fields out) {
        boolean runnerFound = false;
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode container : containers) {
            String name = container.path("name").asText("");
            if (mode == ContainerMode.DIND && name.equals(RunnerPodNames.DIND_CONTAINER)) {
                out.finding(Kind.IGNORED_BY_THE_CHART, "template.spec.containers[dind]",
                        "the dind mode renders its own; for another image or args use arcfleet's dind field");
                continue;
            }
            if (!name.equals(RunnerPodNames.RUNNER_CONTAINER)) {
                kept.add(container);
                continue;
            }
            runnerFound = true;
            ObjectNode runner = container.deepCopy();
            String image = runner.path("image").asText(FleetSchema.DEFAULT_RUNNER_IMAGE);
            if (!image.equals(FleetSchema.DEFAULT_RUNNER_IMAGE)) {
                out.fields.put("runnerImage", image);
            }
            runner.remove("image");
            if (mode.usesKubeModeServiceAccount()) {
                ownHookTemplate(runner, out);
            }
            // Kept with its command or without one, as the release had it: a container list of the user's renders
            // the runner with the user's keys only, in the chart and in arcfleet.
            kept.add(runner);
        }
        if (!kept.isEmpty() && !kept.equals(CHART_CONTAINERS)) {
            out.templateSpec().set("containers", kept);
        }
        return runnerFound;
    }

    /**
     * A release's own hook template, in a kubernetes mode, gives way to arcfleet's, which mounts the caches into job
     * pods: left in, the variable would make the daemon refuse the whole imported file.
     */
    private static void ownHookTemplate(ObjectNode runner, Fields out) {
        JsonNode env = runner.path("env");
        if (!env.isArray()) {
            return;
        }
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode variable : env) {
            if (!RunnerPodNames.HOOK_TEMPLATE_ENV.equals(variable.path("name").asText())) {
                kept.add(variable);
                continue;
            }
            out.finding(Kind.NOT_IMPORTED, "template.spec.containers[runner].env[" + RunnerPodNames.HOOK_TEMPLATE_ENV + "]",
                    "arcfleet's hook template, which mounts the caches into job pods, takes the place of "
                            + variable.path("value").asText("yours") + ", so job pods lose what that one added: compare"
                            + " it with `kubectl get configmap " + out.set() + "-hook-template -o yaml` and move what"
                            + " your jobs need into their container image or workflow; the variable is left out, as"
                            + " the daemon would refuse the file with it");
        }
        if (kept.isEmpty()) {
            runner.remove("env");
        } else {
            runner.set("env", kept);
        }
    }

    private static Optional<ArrayNode> named(JsonNode list, Set<String> dropped, String path, String why, Fields out) {
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode item : list) {
            String name = item.path("name").asText("");
            if (dropped.contains(name)) {
                out.finding(Kind.IGNORED_BY_THE_CHART, path + "[" + name + "]", why);
            } else {
                kept.add(item);
            }
        }
        return kept.isEmpty() ? Optional.empty() : Optional.of(kept);
    }

    private static void minMax(ObjectNode values, Fields out) {
        if (values.path("minRunners").isNumber()) {
            out.fields.put("minRunners", values.get("minRunners").asInt());
        }
        if (values.path("maxRunners").isNumber()) {
            out.fields.put("maxRunners", values.get("maxRunners").asInt());
        } else {
            // The chart renders maxRunners only for a number, and ARC takes a set without one as unlimited; arcfleet's
            // default is 1, so only an explicit null keeps the set unlimited.
            out.fields.putNull("maxRunners");
        }
    }

    private static void credentials(JsonNode secret, String set, Settings settings, Fields out) {
        if (secret.isTextual() && !secret.asText().isEmpty()) {
            String name = secret.asText();
            out.fields.put("githubConfigSecret", name);
            out.finding(Kind.CHANGES_ON_HAND_OVER, "spec.githubConfigSecret", "arcfleet copies Secret " + name
                    + " into " + set + "-gha-rs-github-secret and points the set at that copy");
            String from = "arcfleet reads Secret " + name + " from namespace " + settings.credentialsNamespace() + " ("
                    + settings.credentialsNamespaceSource() + ")";
            // The copy is piped, never printed: only its name and type and data reach the other namespace.
            out.finding(Kind.TO_DO, "githubConfigSecret", settings.credentialsNamespace().equals(settings.releaseNamespace())
                    ? from + ", where the release's is: nothing to copy"
                    : from + ", not the release's in " + settings.releaseNamespace() + "; copy it there first: kubectl -n "
                            + settings.releaseNamespace() + " get secret " + name + " -o json | jq '{apiVersion, kind, type,"
                            + " data, metadata: {name: .metadata.name}}' | kubectl -n " + settings.credentialsNamespace()
                            + " apply -f -");
            return;
        }
        // Inline credentials, or the chart-made Secret seen in a cluster: never read, never printed.
        out.finding(Kind.TO_DO, "githubConfigSecret", "credentials in values are not imported; arcfleet copies them"
                + " from Secret " + settings.credentialsSecret() + " (arcfleet.github.credentials-secret) into " + set
                + "-gha-rs-github-secret, the Secret the chart made: create it with the same token or GitHub App first");
    }

    private static void metadata(ObjectNode values, Fields out) {
        stringMap(values.path("labels"), "labels", true, out).ifPresent(labels -> out.fields.set("labels", labels));
        stringMap(values.path("annotations"), "annotations", false, out)
                .ifPresent(annotations -> out.fields.set("annotations", annotations));
        JsonNode resourceMeta = values.path("resourceMeta");
        if (!resourceMeta.isObject()) {
            return;
        }
        ObjectNode kept = JSON.createObjectNode();
        resourceMeta.fields().forEachRemaining(entry -> {
            Optional<ResourceMetaTarget> target = ResourceMetaTarget.fromYamlName(entry.getKey());
            if (target.isEmpty()) {
                out.finding(Kind.IGNORED_BY_THE_CHART, "resourceMeta." + entry.getKey(), "not an object of the chart");
                return;
            }
            boolean own = target.get().specField().isEmpty();
            ObjectNode meta = JSON.createObjectNode();
            String at = "resourceMeta." + entry.getKey() + ".";
            if (own) {
                stringMap(entry.getValue().path("labels"), at + "labels", true, out).ifPresent(map -> meta.set("labels", map));
                stringMap(entry.getValue().path("annotations"), at + "annotations", false, out)
                        .ifPresent(map -> meta.set("annotations", map));
            } else {
                for (String key : List.of("labels", "annotations")) {
                    if (present(entry.getValue().path(key))) {
                        meta.set(key, entry.getValue().get(key));
                    }
                }
            }
            if (!meta.isEmpty()) {
                kept.set(entry.getKey(), meta);
            }
        });
        if (!kept.isEmpty()) {
            out.fields.set("resourceMeta", kept);
        }
    }

    /** Labels and annotations as strings, without the keys the chart, ARC or arcfleet keep for themselves. */
    private static Optional<ObjectNode> stringMap(JsonNode map, String path, boolean labels, Fields out) {
        if (!map.isObject() || map.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode kept = JSON.createObjectNode();
        new TreeMap<>(JSON.convertValue(map, Map.class)).forEach((key, value) -> {
            String name = String.valueOf(key);
            if (labels ? ReservedKeys.label(name) : ReservedKeys.annotation(name)) {
                out.finding(Kind.IGNORED_BY_THE_CHART, path + "." + name, "reserved: the chart keeps its own value");
            } else {
                kept.put(name, String.valueOf(value));
            }
        });
        return kept.isEmpty() ? Optional.empty() : Optional.of(kept);
    }

    /** The chart reads only its name and namespace, and only those given: the others are looked up. */
    private static void controllerServiceAccount(JsonNode account, Fields out) {
        ObjectNode kept = JSON.createObjectNode();
        for (String key : List.of("name", "namespace")) {
            if (account.path(key).isTextual() && !account.get(key).asText().isEmpty()) {
                kept.put(key, account.get(key).asText());
            }
        }
        if (!kept.isEmpty()) {
            out.fields.set("controllerServiceAccount", kept);
        }
    }

    private static void notSupported(ObjectNode values, Fields out) {
        if (values.path("keyVault").path("type").asText("").length() > 0) {
            out.finding(Kind.NOT_IMPORTED, "keyVault", FleetSchema.NOT_SUPPORTED.get("keyVault") + "; the set loses"
                    + " spec.vaultConfig");
        }
        if (values.path("namespaceOverride").asText("").length() > 0) {
            out.finding(Kind.TO_DO, "namespaceOverride", "arcfleet keeps every set in arcfleet.namespace; set that to "
                    + values.get("namespaceOverride").asText());
        }
        if (values.path("nameOverride").asText("").length() > 0) {
            out.finding(Kind.IGNORED_BY_THE_CHART, "nameOverride", "no template of the chart uses it");
        }
    }

    private static ObjectNode repository(List<Imported> group, Settings settings, Set<String> names, List<Finding> findings) {
        Imported first = group.get(0);
        for (Imported other : group.subList(1, group.size())) {
            if (!other.fields.equals(first.fields) || !other.target.url().equals(first.target.url())) {
                findings.add(new Finding(other.set, Kind.CHANGES_ON_HAND_OVER, differingKeys(first, other),
                        "its values differ from " + first.set + "'s, and arcfleet gives all instances of a repository the"
                                + " same; imported with " + first.set + "'s"));
            }
        }
        List<Imported> byNumber = group.stream().sorted(Comparator.comparing(imported -> imported.number.orElse(-1)))
                .toList();
        int lowest = byNumber.get(0).number.orElse(-1);
        int highest = byNumber.get(byNumber.size() - 1).number.orElse(-1);
        // Numbers count as indexes only where siblings confirm them, or for a lone -1, which is instance 1 either way:
        // a lone arc-runner-acme-svc-42 is a name, not the 42nd of 42 sets.
        boolean numbered = group.size() == 1 ? lowest == 1 : lowest == 0 || lowest == 1;
        if (numbered) {
            Set<Integer> present = new HashSet<>(group.stream().map(imported -> imported.number.orElseThrow()).toList());
            for (int index = lowest; index <= highest; index++) {
                if (!present.contains(index)) {
                    findings.add(new Finding(first.prefix + "-" + index, Kind.CHANGES_ON_HAND_OVER, "instances",
                            "no release has it; arcfleet creates it, a new scale set on GitHub"));
                }
            }
        }
        String owner = first.target.owner();
        String repo = first.target.repo().orElse(first.prefix);
        String name = owner + "/" + repo;
        if (!names.add(name.toLowerCase(Locale.ROOT))) {
            repo = first.prefix;
            name = owner + "/" + repo;
            names.add(name.toLowerCase(Locale.ROOT));
        }
        ObjectNode repository = JSON.createObjectNode();
        repository.put("name", name);
        if (!numbered) {
            ArrayNode sets = repository.putArray("sets");
            byNumber.forEach(imported -> sets.add(imported.set));
        } else {
            repository.put("instances", highest - lowest + 1);
            if (lowest == 0) {
                repository.put("firstIndex", 0);
            }
            if (!SetNames.setName(SetNames.defaultPrefix(owner, repo), lowest).equals(first.prefix + "-" + lowest)) {
                repository.put("installationName", first.prefix);
            }
        }
        if (!first.target.url().equals(settings.githubUrl().replaceAll("/+$", "") + "/" + owner + "/" + repo)) {
            repository.put("githubConfigUrl", first.target.url());
        }
        for (String key : FleetSchema.CHART) {
            if (first.fields.has(key)) {
                repository.set(key, first.fields.get(key));
            }
        }
        return repository;
    }

    private static String differingKeys(Imported first, Imported other) {
        Set<String> keys = new java.util.TreeSet<>();
        first.fields.fieldNames().forEachRemaining(keys::add);
        other.fields.fieldNames().forEachRemaining(keys::add);
        keys.removeIf(key -> first.fields.path(key).equals(other.fields.path(key)));
        if (!first.target.url().equals(other.target.url())) {
            keys.add("githubConfigUrl");
        }
        return String.join(", ", keys);
    }

    private static boolean present(JsonNode value) {
        return !value.isMissingNode() && !value.isNull() && !(value.isContainerNode() && value.isEmpty());
    }

    /** The repository, organisation or enterprise a githubConfigUrl points at. */
    private record GithubTarget(String url, String owner, Optional<String> repo) {
        static Optional<GithubTarget> of(String url) {
            String trimmed = url.replaceAll("/+$", "");
            try {
                URI uri = new URI(trimmed);
                if (uri.getHost() == null || uri.getPath() == null) {
                    return Optional.empty();
                }
                String[] segments = uri.getPath().replaceAll("^/+", "").split("/");
                if (segments.length == 2 && segments[0].equals("enterprises")) {
                    return Optional.of(new GithubTarget(trimmed, segments[1], Optional.empty()));
                }
                if (segments.length == 1 && !segments[0].isEmpty()) {
                    return Optional.of(new GithubTarget(trimmed, segments[0], Optional.empty()));
                }
                if (segments.length == 2) {
                    return Optional.of(new GithubTarget(trimmed, segments[0], Optional.of(segments[1])));
                }
            } catch (URISyntaxException e) {
                // not a URL
            }
            return Optional.empty();
        }
    }

    /** @param number the set name's numeric suffix, if it has one; whether it is an index depends on its siblings */
    private record Imported(String release, String set, String prefix, Optional<Integer> number, GithubTarget target,
            ObjectNode fields) {
    }

    /** A repository's fields being built, and where findings about them go. */
    private record Fields(String set, ObjectNode fields, List<Finding> findings) {
        void finding(Kind kind, String subject, String text) {
            findings.add(new Finding(set, kind, subject, text));
        }

        ObjectNode template() {
            return fields.has("template") ? (ObjectNode) fields.get("template") : fields.putObject("template");
        }

        ObjectNode templateSpec() {
            return template().has("spec") ? (ObjectNode) template().get("spec") : template().putObject("spec");
        }
    }
}
