package dev.arcfleet.fleet;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arcfleet.chart.ChartValues;
import dev.arcfleet.chart.ChartValues.ControllerServiceAccount;
import dev.arcfleet.chart.ChartValues.Dind;
import dev.arcfleet.chart.ChartValues.GithubServerTls;
import dev.arcfleet.chart.ChartValues.Proxy;
import dev.arcfleet.chart.ChartValues.ProxyServer;
import dev.arcfleet.chart.ChartValues.ResourceMeta;
import dev.arcfleet.chart.ContainerMode;
import dev.arcfleet.chart.ReservedKeys;
import dev.arcfleet.chart.ResourceMetaTarget;
import dev.arcfleet.chart.RunnerPodNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;

/**
 * Reads and checks the chart values of {@link ChartValues} in {@code defaults} or a repository. A repository's
 * value replaces the defaults' value as a whole. What the chart would silently ignore or drop is refused here.
 */
final class ChartValuesReader {


    private static final Set<String> TEMPLATE_METADATA_KEYS = Set.of("labels", "annotations");
    private static final Set<String> DIND_KEYS = Set.of("image", "args");
    private static final Set<String> RESOURCE_META_KEYS = Set.of("labels", "annotations");
    private static final Set<String> METRIC_TYPES = Set.of("counters", "gauges", "histograms");
    private static final Set<String> TLS_KEYS = Set.of("certificateFrom", "runnerMountPath");
    private static final Set<String> CERTIFICATE_FROM_KEYS = Set.of("configMapKeyRef");
    private static final Set<String> CONFIG_MAP_KEY_REF_KEYS = Set.of("name", "key");
    private static final Set<String> PROXY_KEYS = Set.of("http", "https", "noProxy");
    private static final Set<String> PROXY_SERVER_KEYS = Set.of("url", "credentialSecretRef");
    private static final Set<String> CONTROLLER_SERVICE_ACCOUNT_KEYS = Set.of("name", "namespace");
    private static final Set<String> DIND_CONTAINERS = Set.of(RunnerPodNames.DIND_CONTAINER,
            RunnerPodNames.DIND_EXTERNALS_CONTAINER);
    private static final Set<String> DIND_VOLUMES = Set.of(RunnerPodNames.DIND_SOCKET_VOLUME,
            RunnerPodNames.DIND_EXTERNALS_VOLUME);

    private static final Pattern QUALIFIED_NAME = Pattern.compile("[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("|[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern CONFIG_MAP_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
    /** The chart refuses empty scale set labels and those of 256 characters or more. */
    private static final int MAX_SCALE_SET_LABEL_LENGTH = 255;

    private static final ObjectMapper TREES = new ObjectMapper();

    private ChartValuesReader() {
    }

    /** Every value present in {@code fields}, the others from {@code inherited}. */
    static ChartValues read(Fields fields, ChartValues inherited) {
        Optional<String> githubConfigUrl = fields.text("githubConfigUrl").flatMap(url -> githubConfigUrl(fields, url))
                .or(inherited::githubConfigUrl);
        Optional<PodTemplateSpec> template = podTemplate(fields, "template").or(inherited::template);
        Dind dind = fields.mapping("dind", DIND_KEYS).map(block -> dind(block, inherited.dind())).orElse(inherited.dind());
        List<PolicyRule> rules = KubernetesModel.readList(fields, "kubernetesModeAdditionalRoleRules", PolicyRule.class)
                .map(read -> checkedRules(fields, read)).orElse(inherited.kubernetesModeAdditionalRoleRules());
        SortedMap<String, String> labels = stringMap(fields, "labels", true, true).orElse(inherited.labels());
        SortedMap<String, String> annotations = stringMap(fields, "annotations", false, true).orElse(inherited.annotations());
        Map<ResourceMetaTarget, ResourceMeta> resourceMeta = resourceMeta(fields).orElse(inherited.resourceMeta());
        Optional<PodTemplateSpec> listenerTemplate = KubernetesModel.read(fields, "listenerTemplate", PodTemplateSpec.class)
                .or(inherited::listenerTemplate);
        Optional<Map<String, Object>> listenerMetrics = listenerMetrics(fields).or(inherited::listenerMetrics);
        Optional<GithubServerTls> tls = fields.mapping("githubServerTLS", TLS_KEYS).flatMap(ChartValuesReader::githubServerTls)
                .or(inherited::githubServerTls);
        Optional<Proxy> proxy = fields.mapping("proxy", PROXY_KEYS).map(ChartValuesReader::proxy).or(inherited::proxy);
        List<String> scaleSetLabels = scaleSetLabels(fields).orElse(inherited.runnerScaleSetLabels());
        ControllerServiceAccount controller = fields.mapping("controllerServiceAccount", CONTROLLER_SERVICE_ACCOUNT_KEYS)
                .map(ChartValuesReader::controllerServiceAccount).orElse(inherited.controllerServiceAccount());
        return new ChartValues(githubConfigUrl, template, dind, rules, labels, annotations, resourceMeta, listenerTemplate,
                listenerMetrics, tls, proxy, scaleSetLabels, controller);
    }

    private static ControllerServiceAccount controllerServiceAccount(Fields block) {
        Optional<String> name = block.text("name");
        name.filter(value -> !DNS_SUBDOMAIN.matcher(value).matches())
                .ifPresent(value -> block.problem("name", "must be a ServiceAccount name, got '" + value + "'"));
        Optional<String> namespace = block.text("namespace");
        namespace.filter(value -> !FleetConfigParser.DNS_LABEL.matcher(value).matches())
                .ifPresent(value -> block.problem("namespace", "must be a namespace name, got '" + value + "'"));
        return new ControllerServiceAccount(name, namespace);
    }

    /**
     * Checks a repository's values against its container mode and caches. A defaults value that does not apply
     * to the mode is not used for it; one written in the repository itself is refused.
     */
    static void checkRepository(Fields fields, ContainerMode mode, List<CachePath> caches,
            RepositoryConfig.CacheVolume cacheVolume, ChartValues chart) {
        if (written(fields, "dind") && mode != ContainerMode.DIND) {
            fields.problem("dind", "only used in containerMode dind, not " + mode.yamlName());
        }
        boolean kubeMode = mode.usesKubeModeServiceAccount();
        if (written(fields, "kubernetesModeAdditionalRoleRules") && !kubeMode) {
            fields.problem("kubernetesModeAdditionalRoleRules", "only used in containerMode kubernetes and"
                    + " kubernetes-novolume, not " + mode.yamlName());
        }
        PodSpec spec = chart.template().map(PodTemplateSpec::getSpec).orElse(null);
        if (spec == null) {
            return;
        }
        if (kubeMode && spec.getServiceAccountName() != null && !chart.kubernetesModeAdditionalRoleRules().isEmpty()) {
            fields.problem("kubernetesModeAdditionalRoleRules", "no Role to add them to: with template.spec.serviceAccountName"
                    + " the kube-mode ServiceAccount, Role and RoleBinding are not created; grant them to that ServiceAccount");
        }
        checkContainers(fields, "template.spec.containers", spec.getContainers(), mode, true);
        checkContainers(fields, "template.spec.initContainers", spec.getInitContainers(), mode, false);
        List<String> ownVolumes = new ArrayList<>(cacheVolume instanceof RepositoryConfig.CacheVolume.Claim
                ? List.of(RunnerPodNames.CACHE_CLAIM_VOLUME) : caches.stream().map(CachePath::volumeName).toList());
        if (kubeMode) {
            ownVolumes.add(RunnerPodNames.HOOK_TEMPLATE_VOLUME);
        }
        List<Volume> volumes = spec.getVolumes();
        for (int index = 0; index < volumes.size(); index++) {
            String name = volumes.get(index).getName();
            String key = "template.spec.volumes[" + index + "].name";
            if (name == null) {
                fields.problem(key, "required");
            } else if (ownVolumes.contains(name)) {
                fields.problem(key, "'" + name + "' is the name of a volume arcfleet adds (caches, hook template)");
            } else if (mode == ContainerMode.DIND && DIND_VOLUMES.contains(name)) {
                fields.problem(key, "'" + name + "' is the name of a volume the dind mode adds");
            }
        }
    }

    private static void checkContainers(Fields fields, String key, List<Container> containers, ContainerMode mode,
            boolean main) {
        for (int index = 0; index < containers.size(); index++) {
            Container container = containers.get(index);
            String at = key + "[" + index + "]";
            if (container.getName() == null) {
                fields.problem(at + ".name", "required");
                continue;
            }
            if (mode == ContainerMode.DIND && DIND_CONTAINERS.contains(container.getName())) {
                fields.problem(at + ".name", "'" + container.getName() + "' is the dind mode's own container; set dind.image"
                        + " and dind.args, or use containerMode none with a template of your own");
            }
            if (!main || !RunnerPodNames.RUNNER_CONTAINER.equals(container.getName())) {
                continue;
            }
            if (container.getImage() != null) {
                fields.problem(at + ".image", "set runnerImage instead; the chart uses the runner's image in dind's"
                        + " init container and kubernetes-novolume's ACTIONS_RUNNER_IMAGE too");
            }
            if (mode.usesKubeModeServiceAccount()
                    && container.getEnv().stream().map(EnvVar::getName).anyMatch(RunnerPodNames.HOOK_TEMPLATE_ENV::equals)) {
                fields.problem(at + ".env", RunnerPodNames.HOOK_TEMPLATE_ENV + " is arcfleet's: its hook template mounts"
                        + " the caches into job pods");
            }
        }
    }

    private static boolean written(Fields fields, String key) {
        JsonNode value = fields.node().get(key);
        return value != null && !value.isNull();
    }

    private static Optional<String> githubConfigUrl(Fields fields, String url) {
        String trimmed = url.replaceAll("/+$", "");
        try {
            URI uri = new URI(trimmed);
            boolean web = "https".equals(uri.getScheme()) || "http".equals(uri.getScheme());
            if (uri.getRawUserInfo() != null) {
                // Never echoed: the user info may be a token.
                fields.problem("githubConfigUrl", "must not contain credentials; they belong in the credentials Secret");
                return Optional.empty();
            }
            if (web && uri.getHost() != null && uri.getRawPath() != null && uri.getRawPath().length() > 1
                    && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return Optional.of(trimmed);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        fields.problem("githubConfigUrl", "must be the https URL of a repository, organisation or enterprise, such as"
                + " https://github.com/acme or https://github.com/enterprises/acme, got '" + url + "'");
        return Optional.empty();
    }

    private static Optional<PodTemplateSpec> podTemplate(Fields fields, String key) {
        int problemsBefore = fields.problems().count();
        Optional<Fields> block = fields.mapping(key, Set.of("metadata", "spec"));
        // The chart takes only labels and annotations of template.metadata.
        block.flatMap(template -> template.mapping("metadata", TEMPLATE_METADATA_KEYS));
        if (block.isEmpty() || fields.problems().count() > problemsBefore) {
            return Optional.empty();
        }
        return KubernetesModel.read(fields, key, PodTemplateSpec.class);
    }

    private static Dind dind(Fields block, Dind inherited) {
        String image = block.text("image").orElse(inherited.image());
        if (image.isBlank()) {
            block.problem("image", "must not be empty");
        }
        List<String> args = block.textList("args").orElse(inherited.args());
        return new Dind(image, args);
    }

    private static List<PolicyRule> checkedRules(Fields fields, List<PolicyRule> rules) {
        for (int index = 0; index < rules.size(); index++) {
            PolicyRule rule = rules.get(index);
            String key = "kubernetesModeAdditionalRoleRules[" + index + "]";
            if (rule.getVerbs().isEmpty()) {
                fields.problem(key + ".verbs", "required");
            }
            if (rule.getResources().isEmpty()) {
                fields.problem(key + ".resources", "required (a Role grants on resources of its namespace)");
            }
            if (!rule.getNonResourceURLs().isEmpty()) {
                fields.problem(key + ".nonResourceURLs", "a Role cannot grant them, only a ClusterRole");
            }
        }
        return rules;
    }

    /** A mapping of string keys and values, checked as Kubernetes labels or annotations. */
    private static Optional<SortedMap<String, String>> stringMap(Fields fields, String key, boolean label, boolean ownObjects) {
        JsonNode node = fields.node().get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            fields.problem(key, "must be a mapping, got " + Fields.describe(node));
            return Optional.empty();
        }
        SortedMap<String, String> values = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> entries = node.fields(); entries.hasNext();) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String name = entry.getKey();
            String at = key + "." + name;
            if (!entry.getValue().isTextual()) {
                fields.problem(at, "must be a string (quote it), got " + Fields.describe(entry.getValue()));
                continue;
            }
            String value = entry.getValue().textValue();
            if (!qualifiedName(name)) {
                fields.problem(at, "not a valid " + (label ? "label" : "annotation") + " key");
            } else if (ownObjects && (label ? ReservedKeys.label(name) : ReservedKeys.annotation(name))) {
                fields.problem(at, "reserved: the chart, ARC or arcfleet sets this key");
            } else if (label && !LABEL_VALUE.matcher(value).matches()) {
                fields.problem(at, "not a valid label value (at most 63 letters, digits, '-', '_' or '.')");
            }
            values.put(name, value);
        }
        return Optional.of(values);
    }

    private static boolean qualifiedName(String key) {
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        return (slash < 0 || DNS_SUBDOMAIN.matcher(key.substring(0, slash)).matches()) && QUALIFIED_NAME.matcher(name).matches();
    }

    private static Optional<Map<ResourceMetaTarget, ResourceMeta>> resourceMeta(Fields fields) {
        Optional<Fields> block = fields.mapping("resourceMeta", yamlNames());
        if (block.isEmpty()) {
            return Optional.empty();
        }
        Map<ResourceMetaTarget, ResourceMeta> meta = new EnumMap<>(ResourceMetaTarget.class);
        for (ResourceMetaTarget target : ResourceMetaTarget.values()) {
            block.get().mapping(target.yamlName(), RESOURCE_META_KEYS).ifPresent(entry -> {
                // Objects ARC makes from the spec take ARC's rules on keys, not the chart's.
                boolean own = target.specField().isEmpty();
                meta.put(target, new ResourceMeta(stringMap(entry, "labels", true, own).orElse(new TreeMap<>()),
                        stringMap(entry, "annotations", false, own).orElse(new TreeMap<>())));
            });
        }
        return Optional.of(meta);
    }

    private static Set<String> yamlNames() {
        return Arrays.stream(ResourceMetaTarget.values()).map(ResourceMetaTarget::yamlName).collect(Collectors.toSet());
    }

    /** The shape of ARC's MetricsConfig: metric name to labels, and buckets for histograms. */
    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> listenerMetrics(Fields fields) {
        Optional<Fields> block = fields.mapping("listenerMetrics", METRIC_TYPES);
        if (block.isEmpty()) {
            return Optional.empty();
        }
        for (String type : METRIC_TYPES) {
            JsonNode metrics = block.get().node().get(type);
            if (metrics == null || metrics.isNull()) {
                continue;
            }
            if (!metrics.isObject()) {
                block.get().problem(type, "must be a mapping of metric names, got " + Fields.describe(metrics));
                continue;
            }
            Fields perMetric = new Fields(block.get().context() + type + ".", metrics, block.get().problems());
            Set<String> keys = type.equals("histograms") ? Set.of("labels", "buckets") : Set.of("labels");
            metrics.fieldNames().forEachRemaining(metric -> perMetric.mapping(metric, keys).ifPresent(entry -> {
                if (entry.textList("labels").isEmpty() && entry.node().get("labels") == null) {
                    entry.problem("labels", "required (a list of label names, may be empty)");
                }
                JsonNode buckets = entry.node().get("buckets");
                if (buckets != null && !(buckets.isArray() && allNumbers(buckets))) {
                    entry.problem("buckets", "must be a list of numbers");
                }
            }));
        }
        return Optional.of(TREES.convertValue(block.get().node(), LinkedHashMap.class));
    }

    private static boolean allNumbers(JsonNode list) {
        for (JsonNode item : list) {
            if (!item.isNumber()) {
                return false;
            }
        }
        return true;
    }

    private static Optional<GithubServerTls> githubServerTls(Fields block) {
        Optional<Fields> reference = block.mapping("certificateFrom", CERTIFICATE_FROM_KEYS)
                .flatMap(from -> from.mapping("configMapKeyRef", CONFIG_MAP_KEY_REF_KEYS));
        if (reference.isEmpty()) {
            block.problem("certificateFrom", "required: configMapKeyRef with the name and key of the CA certificate");
            return Optional.empty();
        }
        Optional<String> name = required(reference.get(), "name", value -> DNS_SUBDOMAIN.matcher(value).matches(),
                "a ConfigMap name");
        Optional<String> key = required(reference.get(), "key", value -> CONFIG_MAP_KEY.matcher(value).matches(),
                "a ConfigMap key");
        Optional<String> mountPath = block.text("runnerMountPath");
        mountPath.filter(path -> !path.startsWith("/"))
                .ifPresent(path -> block.problem("runnerMountPath", "must be an absolute path, got '" + path + "'"));
        if (name.isEmpty() || key.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new GithubServerTls(name.get(), key.get(), mountPath.map(path -> Path.of(path).normalize().toString())));
    }

    private static Proxy proxy(Fields block) {
        Optional<ProxyServer> http = block.mapping("http", PROXY_SERVER_KEYS).flatMap(ChartValuesReader::proxyServer);
        Optional<ProxyServer> https = block.mapping("https", PROXY_SERVER_KEYS).flatMap(ChartValuesReader::proxyServer);
        return new Proxy(http, https, block.textList("noProxy").orElse(List.of()));
    }

    private static Optional<ProxyServer> proxyServer(Fields server) {
        Optional<String> url = server.text("url");
        if (url.isEmpty()) {
            server.problem("url", "required");
            return Optional.empty();
        }
        try {
            URI uri = new URI(url.get());
            if (uri.getRawUserInfo() != null) {
                server.problem("url", "must not contain credentials; name a Secret in credentialSecretRef");
                return Optional.empty();
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                server.problem("url", "must be a URL such as http://proxy.example.com:3128");
                return Optional.empty();
            }
        } catch (URISyntaxException e) {
            server.problem("url", "must be a URL such as http://proxy.example.com:3128");
            return Optional.empty();
        }
        Optional<String> secret = server.text("credentialSecretRef");
        secret.filter(name -> !DNS_SUBDOMAIN.matcher(name).matches())
                .ifPresent(name -> server.problem("credentialSecretRef", "must be a Secret name, got '" + name + "'"));
        return Optional.of(new ProxyServer(url.get(), secret));
    }

    /** {@code runnerScaleSetLabels}, or the chart's own name for it, {@code scaleSetLabels}, as values files have it. */
    private static Optional<List<String>> scaleSetLabels(Fields fields) {
        String key = fields.node().has("scaleSetLabels") ? "scaleSetLabels" : "runnerScaleSetLabels";
        if (fields.node().has("scaleSetLabels") && fields.node().has("runnerScaleSetLabels")) {
            fields.problem("scaleSetLabels", "is the chart's name for runnerScaleSetLabels: give one of the two");
        }
        Optional<List<String>> labels = fields.textList(key);
        for (String label : labels.orElse(List.of())) {
            if (label.isEmpty() || label.length() > MAX_SCALE_SET_LABEL_LENGTH) {
                fields.problem(key, "each label must have 1 to " + MAX_SCALE_SET_LABEL_LENGTH + " characters");
            }
        }
        return labels;
    }

    private static Optional<String> required(Fields fields, String key, Predicate<String> valid, String what) {
        Optional<String> value = fields.text(key);
        if (value.isEmpty()) {
            if (fields.node().get(key) == null) {
                fields.problem(key, "required");
            }
            return Optional.empty();
        }
        if (!valid.test(value.get())) {
            fields.problem(key, "must be " + what + ", got '" + value.get() + "'");
            return Optional.empty();
        }
        return value;
    }
}
