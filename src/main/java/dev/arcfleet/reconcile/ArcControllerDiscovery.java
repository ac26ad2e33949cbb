package dev.arcfleet.reconcile;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.arcfleet.config.ArcfleetConfig;
import dev.arcfleet.render.ArcController;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * Finds the ARC controller the way the chart does: the Deployment labelled
 * {@code app.kubernetes.io/part-of=gha-rs-controller}, whose labels give its version and ServiceAccount.
 * Without a version no set may be created: ARC deletes sets whose version label differs from its own.
 */
final class ArcControllerDiscovery {

    static final String PART_OF_LABEL = "app.kubernetes.io/part-of";
    static final String PART_OF_CONTROLLER = "gha-rs-controller";
    static final String AUTO = "auto";
    private static final String VERSION_LABEL = "app.kubernetes.io/version";
    private static final String SERVICE_ACCOUNT_NAME_LABEL = "actions.github.com/controller-service-account-name";
    private static final String SERVICE_ACCOUNT_NAMESPACE_LABEL = "actions.github.com/controller-service-account-namespace";
    private static final String WATCH_SINGLE_NAMESPACE_LABEL = "actions.github.com/controller-watch-single-namespace";
    /** What ARC's own version check parses: numeric major[.minor[.patch]], no "v" prefix. */
    private static final Pattern ARC_VERSION = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*)){0,2}");

    private ArcControllerDiscovery() {
    }

    static Outcome<ArcController> discover(ArcfleetConfig.Arc settings, String runnerNamespace, List<Deployment> deployments) {
        boolean versionPinned = !AUTO.equals(settings.version());
        if (versionPinned && !ARC_VERSION.matcher(settings.version()).matches()) {
            return Outcome.failed("arcfleet.arc.version '" + settings.version()
                    + "' is not a version ARC accepts (for example 0.13.0), nor 'auto'");
        }
        if (versionPinned && settings.controllerServiceAccount().isPresent()) {
            return Outcome.of(new ArcController(settings.version(), settings.controllerServiceAccount().get(),
                    settings.controllerNamespace()));
        }
        List<Deployment> candidates = deployments.stream()
                .filter(deployment -> {
                    String watched = labels(deployment).get(WATCH_SINGLE_NAMESPACE_LABEL);
                    return watched == null || watched.equals(runnerNamespace);
                })
                .toList();
        if (candidates.isEmpty()) {
            return Outcome.failed("no ARC controller found: no Deployment labelled " + PART_OF_LABEL + "=" + PART_OF_CONTROLLER
                    + " in namespace " + settings.controllerNamespace() + " (arcfleet.arc.controller-namespace)"
                    + " that watches " + runnerNamespace + "; no runner set is created until one is found");
        }
        if (candidates.size() > 1) {
            return Outcome.failed("more than one ARC controller Deployment in " + settings.controllerNamespace() + ": "
                    + candidates.stream().map(deployment -> deployment.getMetadata().getName()).sorted().toList());
        }
        Map<String, String> labels = labels(candidates.get(0));
        String deploymentName = settings.controllerNamespace() + "/" + candidates.get(0).getMetadata().getName();
        String version = versionPinned ? settings.version() : labels.get(VERSION_LABEL);
        if (version == null || !ARC_VERSION.matcher(version).matches()) {
            return Outcome.failed("ARC controller " + deploymentName + " has no usable " + VERSION_LABEL + " label (found '"
                    + version + "'); set arcfleet.arc.version to the controller's version");
        }
        Optional<String> serviceAccount = settings.controllerServiceAccount()
                .or(() -> Optional.ofNullable(labels.get(SERVICE_ACCOUNT_NAME_LABEL)).filter(name -> !name.isBlank()));
        if (serviceAccount.isEmpty()) {
            return Outcome.failed("ARC controller " + deploymentName + " has no " + SERVICE_ACCOUNT_NAME_LABEL
                    + " label; set arcfleet.arc.controller-service-account");
        }
        String serviceAccountNamespace = settings.controllerServiceAccount().isPresent()
                ? settings.controllerNamespace()
                : labels.getOrDefault(SERVICE_ACCOUNT_NAMESPACE_LABEL, settings.controllerNamespace());
        return Outcome.of(new ArcController(version, serviceAccount.get(), serviceAccountNamespace));
    }

    private static Map<String, String> labels(Deployment deployment) {
        return Optional.ofNullable(deployment.getMetadata().getLabels()).orElse(Map.of());
    }
}
