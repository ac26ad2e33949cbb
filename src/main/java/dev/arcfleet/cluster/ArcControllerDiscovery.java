package dev.arcfleet.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.arcfleet.arc.ArcController;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.settings.ArcfleetConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * Finds the ARC controller the way the chart does: the Deployment labelled
 * {@code app.kubernetes.io/part-of=gha-rs-controller}, whose labels give its version and ServiceAccount.
 * Without a version no set may be created: ARC deletes every set whose version label differs in
 * major.minor from the version it was built as, which is its image's tag. So the version arcfleet
 * labels with is checked against the image that runs, and nothing is written while a rollout is under
 * way, because the old pod would delete what is labelled for the new one.
 */
public final class ArcControllerDiscovery {

    static final String AUTO = "auto";
    static final ResourceDefinitionContext DEPLOYMENTS = new ResourceDefinitionContext.Builder().withGroup("apps")
            .withVersion("v1").withKind("Deployment").withPlural("deployments").withNamespaced(true).build();
    /** What ARC's own version check parses: numeric major[.minor[.patch]], no "v" prefix. */
    private static final Pattern ARC_VERSION = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*)){0,2}");

    private ArcControllerDiscovery() {
    }

    /** For a command that runs once: reads the controller Deployments directly rather than through informers. */
    public static Outcome<ArcController> discover(KubernetesClient client, ArcfleetConfig config) {
        return discover(config.arc(), config.namespace(), client.genericKubernetesResources(DEPLOYMENTS)
                .inNamespace(config.arc().controllerNamespace()).withLabel(ArcKeys.PART_OF, ArcKeys.PART_OF_CONTROLLER).list().getItems());
    }

    /**
     * The Deployments as plain maps: the few fields read here do not justify the typed model, whose
     * deserializers (the whole pod template) cost a quarter of a second of CPU to build at start.
     */
    public static Outcome<ArcController> discover(ArcfleetConfig.Arc settings, String runnerNamespace,
            List<GenericKubernetesResource> deployments) {
        boolean versionPinned = !AUTO.equals(settings.version());
        if (versionPinned && !ARC_VERSION.matcher(settings.version()).matches()) {
            return Outcome.failed("arcfleet.arc.version '" + settings.version()
                    + "' is not a version ARC accepts (for example 0.13.0), nor 'auto'");
        }
        List<GenericKubernetesResource> candidates = deployments.stream()
                .filter(deployment -> {
                    String watched = labels(deployment).get(ArcKeys.CONTROLLER_WATCH_SINGLE_NAMESPACE);
                    return watched == null || watched.equals(runnerNamespace);
                })
                .toList();
        if (candidates.isEmpty() && versionPinned && settings.controllerServiceAccount().isPresent()) {
            // Pinned and named in full: the Deployment is only a cross-check, and may be unreadable here.
            return Outcome.of(new ArcController(settings.version(), settings.controllerServiceAccount().get(),
                    settings.controllerNamespace()));
        }
        if (candidates.isEmpty()) {
            return Outcome.failed("no ARC controller found: no Deployment labelled " + ArcKeys.PART_OF + "=" + ArcKeys.PART_OF_CONTROLLER
                    + " in namespace " + settings.controllerNamespace() + " (arcfleet.arc.controller-namespace)"
                    + " that watches " + runnerNamespace + "; no runner set is created until one is found");
        }
        if (candidates.size() > 1) {
            return Outcome.failed("more than one ARC controller Deployment in " + settings.controllerNamespace() + ": "
                    + candidates.stream().map(deployment -> deployment.getMetadata().getName()).sorted().toList());
        }
        GenericKubernetesResource deployment = candidates.get(0);
        Map<String, String> labels = labels(deployment);
        String deploymentName = settings.controllerNamespace() + "/" + deployment.getMetadata().getName();
        Optional<String> rolloutProblem = rolloutInProgress(deployment);
        if (rolloutProblem.isPresent()) {
            return Outcome.failed("ARC controller " + deploymentName + " is rolling out (" + rolloutProblem.get()
                    + "); no runner set is written until it completes, since an old controller pod deletes sets"
                    + " labelled for the new version");
        }
        Optional<String> imageVersion = imageVersion(deployment);
        String labelVersion = labels.get(ArcKeys.VERSION);
        // ARC compares with the version it was built as, which is its image's tag, even when an image.tag
        // override left the chart's version label behind.
        String running = imageVersion.orElse(labelVersion);
        String version;
        if (versionPinned) {
            if (running != null && ARC_VERSION.matcher(running).matches() && !sameMinor(settings.version(), running)) {
                return Outcome.failed("arcfleet.arc.version is " + settings.version() + " but ARC controller " + deploymentName
                        + " runs " + running + "; ARC deletes every set whose version differs from its own, so no set is"
                        + " written until arcfleet.arc.version matches the controller (or is 'auto')");
            }
            version = settings.version();
        } else {
            version = running;
        }
        if (version == null || !ARC_VERSION.matcher(version).matches()) {
            return Outcome.failed("ARC controller " + deploymentName + " has no usable " + ArcKeys.VERSION + " label (found '"
                    + labelVersion + "') nor a version image tag; set arcfleet.arc.version to the controller's version");
        }
        Optional<String> serviceAccount = settings.controllerServiceAccount()
                .or(() -> Optional.ofNullable(labels.get(ArcKeys.CONTROLLER_SERVICE_ACCOUNT_NAME)).filter(name -> !name.isBlank()));
        if (serviceAccount.isEmpty()) {
            return Outcome.failed("ARC controller " + deploymentName + " has no " + ArcKeys.CONTROLLER_SERVICE_ACCOUNT_NAME
                    + " label; set arcfleet.arc.controller-service-account");
        }
        String serviceAccountNamespace = settings.controllerServiceAccount().isPresent()
                ? settings.controllerNamespace()
                : labels.getOrDefault(ArcKeys.CONTROLLER_SERVICE_ACCOUNT_NAMESPACE, settings.controllerNamespace());
        return Outcome.of(new ArcController(version, serviceAccount.get(), serviceAccountNamespace));
    }

    /**
     * What {@code kubectl rollout status} waits for. {@code status.replicas} counts the pods of old
     * ReplicaSets too, so it exceeding the updated replicas means an old controller still runs.
     */
    private static Optional<String> rolloutInProgress(GenericKubernetesResource deployment) {
        long generation = Optional.ofNullable(deployment.getMetadata().getGeneration()).orElse(0L);
        long desired = number(deployment, 1, "spec", "replicas");
        long observed = number(deployment, 0, "status", "observedGeneration");
        long updated = number(deployment, 0, "status", "updatedReplicas");
        long available = number(deployment, 0, "status", "availableReplicas");
        long total = number(deployment, 0, "status", "replicas");
        if (observed < generation) {
            return Optional.of("generation " + generation + " not yet observed");
        }
        if (updated < desired || available < desired || total > updated) {
            return Optional.of(updated + "/" + desired + " pods updated, " + available + " available, " + total
                    + " in total");
        }
        return Optional.empty();
    }

    private static long number(GenericKubernetesResource deployment, long absent, Object... path) {
        return deployment.get(path) instanceof Number number ? number.longValue() : absent;
    }

    /** The tag of the manager container's image, when it is a version ARC would parse. */
    private static Optional<String> imageVersion(GenericKubernetesResource deployment) {
        List<Map<?, ?>> containers = deployment.get("spec", "template", "spec", "containers") instanceof List<?> list
                ? list.stream().filter(Map.class::isInstance).<Map<?, ?>>map(Map.class::cast).toList()
                : List.of();
        return containers.stream().filter(container -> "manager".equals(container.get("name"))).findFirst()
                .or(() -> containers.stream().findFirst())
                .map(container -> container.get("image")).filter(String.class::isInstance).map(String.class::cast)
                .filter(image -> image.lastIndexOf(':') > image.lastIndexOf('/'))
                .map(image -> image.substring(image.lastIndexOf(':') + 1))
                .filter(tag -> ARC_VERSION.matcher(tag).matches());
    }

    /** ARC's IsVersionAllowed: versions match when major and minor do; the patch is ignored. */
    static boolean sameMinor(String one, String other) {
        return majorMinor(one).equals(majorMinor(other));
    }

    private static String majorMinor(String version) {
        String[] parts = version.split("\\.");
        return parts[0] + "." + (parts.length > 1 ? parts[1] : "0");
    }

    private static Map<String, String> labels(GenericKubernetesResource deployment) {
        return Optional.ofNullable(deployment.getMetadata().getLabels()).orElse(Map.of());
    }
}
