package dev.arcfleet.chart;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;

/**
 * The values of ARC's {@code gha-runner-scale-set} chart that a repository can set, each named and rendered as
 * the chart names and renders it (docs/configuration.md, "Chart values"). Validated; defaults already applied.
 * The model objects are the parser's own: whoever changes one must copy it first.
 *
 * @param githubConfigUrl replaces {@code <arcfleet.github.url>/<owner>/<repo>}, for an organisation or enterprise
 * @param template merged over the container mode's pod template as the chart merges {@code template}
 * @param dind the dind sidecar's image and args, used in dind mode only
 * @param kubernetesModeAdditionalRoleRules appended to the kube-mode Role, used in kubernetes modes only
 * @param labels for every object of the set, beside the chart's and arcfleet's own
 * @param listenerMetrics the chart's {@code listenerMetrics}, as a JSON tree
 * @param runnerScaleSetLabels the chart's {@code scaleSetLabels}: extra labels of the scale set on GitHub (ARC 0.14+)
 * @param controllerServiceAccount the ServiceAccount the manager RoleBinding binds, where it is not the controller's found
 */
public record ChartValues(
        Optional<String> githubConfigUrl,
        Optional<PodTemplateSpec> template,
        Dind dind,
        List<PolicyRule> kubernetesModeAdditionalRoleRules,
        SortedMap<String, String> labels,
        SortedMap<String, String> annotations,
        Map<ResourceMetaTarget, ResourceMeta> resourceMeta,
        Optional<PodTemplateSpec> listenerTemplate,
        Optional<Map<String, Object>> listenerMetrics,
        Optional<GithubServerTls> githubServerTls,
        Optional<Proxy> proxy,
        List<String> runnerScaleSetLabels,
        ControllerServiceAccount controllerServiceAccount) {

    /** The chart's dind sidecar. */
    public static final Dind CHART_DIND = new Dind("docker:dind",
            List.of("dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"));

    /** Nothing set: what the chart renders from its own values.yaml. */
    public static final ChartValues NONE = new ChartValues(Optional.empty(), Optional.empty(), CHART_DIND, List.of(),
            new TreeMap<>(), new TreeMap<>(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), List.of(), ControllerServiceAccount.FOUND);

    public ChartValues {
        kubernetesModeAdditionalRoleRules = List.copyOf(kubernetesModeAdditionalRoleRules);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        annotations = Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
        resourceMeta = resourceMeta.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(resourceMeta));
        runnerScaleSetLabels = List.copyOf(runnerScaleSetLabels);
    }

    public ResourceMeta resourceMeta(ResourceMetaTarget target) {
        return resourceMeta.getOrDefault(target, ResourceMeta.NONE);
    }

    /**
     * The chart's {@code controllerServiceAccount}: each part given replaces the one read from the controller's
     * Deployment, as the chart's {@code managerServiceAccountName} and {@code …Namespace} replace their lookup.
     */
    public record ControllerServiceAccount(Optional<String> name, Optional<String> namespace) {
        public static final ControllerServiceAccount FOUND = new ControllerServiceAccount(Optional.empty(), Optional.empty());
    }

    public record Dind(String image, List<String> args) {
        public Dind {
            args = List.copyOf(args);
        }
    }

    /** Labels and annotations of one object; see {@link ResourceMetaTarget}. */
    public record ResourceMeta(SortedMap<String, String> labels, SortedMap<String, String> annotations) {
        public static final ResourceMeta NONE = new ResourceMeta(new TreeMap<>(), new TreeMap<>());

        public ResourceMeta {
            labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
            annotations = Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
        }

        public boolean isEmpty() {
            return labels.isEmpty() && annotations.isEmpty();
        }
    }

    /**
     * A CA certificate for GitHub Enterprise Server, from a ConfigMap key. With {@code runnerMountPath} it is also
     * mounted into the runner, which is told to trust it.
     */
    public record GithubServerTls(String configMapName, String key, Optional<String> runnerMountPath) {
    }

    /** {@code credentialSecretRef}s name Secrets with {@code username} and {@code password}, which ARC reads. */
    public record Proxy(Optional<ProxyServer> http, Optional<ProxyServer> https, List<String> noProxy) {
        public Proxy {
            noProxy = List.copyOf(noProxy);
        }
    }

    public record ProxyServer(String url, Optional<String> credentialSecretRef) {
    }
}
