package dev.arcfleet.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * What ARC's controller does that arcfleet relies on, modelled on {@code autoscalingrunnerset_controller.go}
 * of ARC 0.13.x and 0.14.x, against the real test API server:
 * <ul>
 * <li>A new AutoscalingRunnerSet first gets ARC's finalizer. Then ARC registers the scale set on GitHub, which
 * needs the Secret named by {@code spec.githubConfigSecret}, and records the id and name in annotations; a set
 * not being deleted whose id is missing or no number is registered again, taking over the scale set of its name. It
 * creates an EphemeralRunnerSet beside it and an AutoscalingListener in the controller namespace, both with the
 * set's labels; the listener copies {@code actions.github.com/values-hash} and is recreated when it differs.</li>
 * <li>A set whose {@code app.kubernetes.io/version} label differs in major.minor from the controller's own
 * version is deleted.</li>
 * <li>A deleted set: listener and EphemeralRunnerSet are deleted; the scale set is deregistered, which again
 * needs the Secret and otherwise requeues forever; {@code actions.github.com/cleanup-protection} is removed from
 * exactly the objects named by the set's {@code cleanup-*} annotations; then ARC's own finalizer goes.</li>
 * </ul>
 * Several can run at once, such as the old and new controller during a rolling upgrade. Its requests carry the
 * user agent {@code arc-stand-in/<version>}, so the audit log tells them from arcfleet's.
 */
public final class ArcControllerStandIn implements AutoCloseable {

    public static final String FINALIZER = "autoscalingrunnerset.actions.github.com/finalizer";
    public static final String CLEANUP_FINALIZER = "actions.github.com/cleanup-protection";
    public static final String SCALE_SET_ID_ANNOTATION = "runner-scale-set-id";
    public static final String USER_AGENT_PREFIX = "arc-stand-in/";
    private static final String VALUES_HASH = "actions.github.com/values-hash";
    private static final ResourceDefinitionContext EPHEMERAL_RUNNER_SETS = new ResourceDefinitionContext.Builder()
            .withGroup("actions.github.com").withVersion("v1alpha1").withKind("EphemeralRunnerSet")
            .withPlural("ephemeralrunnersets").withNamespaced(true).build();
    private static final ResourceDefinitionContext LISTENERS = new ResourceDefinitionContext.Builder()
            .withGroup("actions.github.com").withVersion("v1alpha1").withKind("AutoscalingListener")
            .withPlural("autoscalinglisteners").withNamespaced(true).build();
    private static final ResourceDefinitionContext RUNNER_SETS = new ResourceDefinitionContext.Builder()
            .withGroup("actions.github.com").withVersion("v1alpha1").withKind("AutoscalingRunnerSet")
            .withPlural("autoscalingrunnersets").withNamespaced(true).build();
    private static final Map<String, String> CLEANUP_ANNOTATIONS = Map.of(
            "actions.github.com/cleanup-github-secret-name", "Secret",
            "actions.github.com/cleanup-manager-role-binding", "RoleBinding",
            "actions.github.com/cleanup-manager-role-name", "Role",
            "actions.github.com/cleanup-kubernetes-mode-role-binding-name", "RoleBinding",
            "actions.github.com/cleanup-kubernetes-mode-role-name", "Role",
            "actions.github.com/cleanup-kubernetes-mode-service-account-name", "ServiceAccount",
            "actions.github.com/cleanup-no-permission-service-account-name", "ServiceAccount");
    private static final AtomicInteger SCALE_SET_IDS = new AtomicInteger();
    /**
     * "GitHub": the scale sets registered, by controller namespace and name. As ARC does, a set registers as the
     * scale set of its name if there is one, and deleting a set deregisters the id it recorded.
     */
    private static final Map<String, Integer> REGISTERED = new ConcurrentHashMap<>();
    private static final long REQUEUE_MILLIS = 100;

    private final String version;
    private final String namespace;
    private final String controllerNamespace;
    private final KubernetesClient client;
    private final ScheduledExecutorService worker;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private SharedIndexInformer<GenericKubernetesResource> informer;

    /** Scale sets deregistered from "GitHub", by set name, in order. */
    public final List<String> deregistered = new CopyOnWriteArrayList<>();
    /** Sets deleted because their version label did not match. */
    public final List<String> deletedOnVersionMismatch = new CopyOnWriteArrayList<>();
    /** Listeners created, by set name, in order: a recreation shows as a second entry. */
    public final List<String> listenersCreated = new CopyOnWriteArrayList<>();
    /** Why a set's deletion is stuck, by set name, as ARC would log it on every requeue. */
    public final Map<String, String> stuck = new ConcurrentHashMap<>();

    public ArcControllerStandIn(String version, String namespace, String controllerNamespace) {
        this.version = version;
        this.namespace = namespace;
        this.controllerNamespace = controllerNamespace;
        Config config = TestApiServer.newClient().getConfiguration();
        config.setUserAgent(USER_AGENT_PREFIX + version);
        this.client = new KubernetesClientBuilder().withConfig(config).build();
        this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> new Thread(runnable, "arc-stand-in-" + version));
    }

    public ArcControllerStandIn start() {
        informer = client.genericKubernetesResources(RUNNER_SETS).inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource set) {
                enqueue(set.getMetadata().getName(), 0);
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource set) {
                enqueue(set.getMetadata().getName(), 0);
            }

            @Override
            public void onDelete(GenericKubernetesResource set, boolean finalStateUnknown) {
            }
        });
        return this;
    }

    /** The id of the scale set of this name registered on "GitHub", if any. */
    public Optional<Integer> registeredId(String name) {
        return Optional.ofNullable(REGISTERED.get(controllerNamespace + "/" + name));
    }

    public String version() {
        return version;
    }

    private void enqueue(String name, long delayMillis) {
        if (queued.add(name)) {
            worker.schedule(() -> {
                queued.remove(name);
                try {
                    if (!reconcile(name)) {
                        enqueue(name, REQUEUE_MILLIS);
                    }
                } catch (RuntimeException e) {
                    // ARC requeues on any error, such as a conflict with arcfleet's write.
                    stuck.put(name, String.valueOf(e.getMessage()));
                    enqueue(name, REQUEUE_MILLIS);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** One pass of ARC's Reconcile; false means requeue. */
    private boolean reconcile(String name) {
        GenericKubernetesResource set = sets().withName(name).get();
        if (set == null) {
            return true;
        }
        List<String> finalizers = Optional.ofNullable(set.getMetadata().getFinalizers()).orElse(List.of());
        if (set.getMetadata().getDeletionTimestamp() != null) {
            return !finalizers.contains(FINALIZER) || cleanUp(set);
        }
        if (!versionAllowed(labels(set).get("app.kubernetes.io/version"))) {
            deletedOnVersionMismatch.add(name);
            sets().withName(name).delete();
            return true;
        }
        if (!finalizers.contains(FINALIZER)) {
            sets().withName(name).edit(current -> {
                current.getMetadata().getFinalizers().add(FINALIZER);
                return current;
            });
            return true;
        }
        // shouldCreateScaleSet: no id, or one that is no number, registers the set by name again.
        if (!annotations(set).getOrDefault(SCALE_SET_ID_ANNOTATION, "").matches("[1-9][0-9]*")) {
            return register(set);
        }
        if (ephemeralRunnerSets().withName(name).get() == null) {
            GenericKubernetesResource runners = resource("EphemeralRunnerSet", name, namespace, labels(set), Map.of());
            runners.setAdditionalProperty("spec", Map.of("replicas", 0));
            ephemeralRunnerSets().resource(runners).create();
        }
        String listenerName = listenerName(set);
        GenericKubernetesResource listener = listeners().withName(listenerName).get();
        String valuesHash = annotations(set).getOrDefault(VALUES_HASH, "");
        if (listener != null && !valuesHash.equals(annotations(listener).get(VALUES_HASH))) {
            listeners().withName(listenerName).delete();
            return false;
        }
        if (listener == null) {
            Map<String, String> listenerLabels = new LinkedHashMap<>(labels(set));
            listeners().resource(resource("AutoscalingListener", listenerName, controllerNamespace, listenerLabels,
                    Map.of(VALUES_HASH, valuesHash))).create();
            listenersCreated.add(name);
        }
        return true;
    }

    /** GetActionsService: without the Secret there is no GitHub client, and ARC requeues. */
    private boolean register(GenericKubernetesResource set) {
        if (!secretPresent(set)) {
            return false;
        }
        int id = REGISTERED.computeIfAbsent(controllerNamespace + "/" + set.getMetadata().getName(),
                key -> SCALE_SET_IDS.incrementAndGet());
        sets().withName(set.getMetadata().getName()).edit(current -> {
            current.getMetadata().getAnnotations().put(SCALE_SET_ID_ANNOTATION, Integer.toString(id));
            current.getMetadata().getAnnotations().put("actions.github.com/runner-scale-set-name", current.getMetadata().getName());
            current.getMetadata().getAnnotations().put("actions.github.com/runner-group-name", "Default");
            return current;
        });
        return true;
    }

    private boolean cleanUp(GenericKubernetesResource set) {
        String name = set.getMetadata().getName();
        GenericKubernetesResource listener = listeners().withName(listenerName(set)).get();
        if (listener != null) {
            listeners().withName(listenerName(set)).delete();
            return false;
        }
        if (ephemeralRunnerSets().withName(name).get() != null) {
            ephemeralRunnerSets().withName(name).delete();
            return false;
        }
        // An id that is no number ARC does not deregister: "Skip deletion".
        if (annotations(set).containsKey(SCALE_SET_ID_ANNOTATION) && annotations(set).get(SCALE_SET_ID_ANNOTATION).matches("[0-9]+")) {
            if (!secretPresent(set)) {
                stuck.put(name, "failed to delete runner scale set: secret " + spec(set).get("githubConfigSecret")
                        + " not found");
                return false;
            }
            deregistered.add(name);
            REGISTERED.remove(controllerNamespace + "/" + name, Integer.valueOf(annotations(set).get(SCALE_SET_ID_ANNOTATION)));
            // As ARC does after DeleteRunnerScaleSet, so that a retry after a failed finalizer release does not
            // need the Secret again, which arcfleet's prune deletes as soon as its finalizer is gone.
            sets().withName(name).edit(current -> {
                current.getMetadata().getAnnotations().remove(SCALE_SET_ID_ANNOTATION);
                return current;
            });
        }
        for (Map.Entry<String, String> annotation : annotations(set).entrySet()) {
            String kind = CLEANUP_ANNOTATIONS.get(annotation.getKey());
            if (kind != null) {
                releaseCleanupFinalizer(kind, annotation.getValue());
            }
        }
        sets().withName(name).edit(current -> {
            current.getMetadata().getFinalizers().remove(FINALIZER);
            return current;
        });
        stuck.remove(name);
        return true;
    }

    private void releaseCleanupFinalizer(String kind, String name) {
        HasMetadata object = switch (kind) {
            case "Secret" -> client.secrets().inNamespace(namespace).withName(name).get();
            case "ServiceAccount" -> client.serviceAccounts().inNamespace(namespace).withName(name).get();
            case "Role" -> client.rbac().roles().inNamespace(namespace).withName(name).get();
            case "RoleBinding" -> client.rbac().roleBindings().inNamespace(namespace).withName(name).get();
            default -> throw new IllegalArgumentException(kind);
        };
        if (object == null || object.getMetadata().getFinalizers() == null
                || !object.getMetadata().getFinalizers().contains(CLEANUP_FINALIZER)) {
            return;
        }
        List<String> remaining = new ArrayList<>(object.getMetadata().getFinalizers());
        remaining.remove(CLEANUP_FINALIZER);
        object.getMetadata().setFinalizers(remaining);
        client.resource(object).update();
    }

    private boolean secretPresent(GenericKubernetesResource set) {
        Object secretName = spec(set).get("githubConfigSecret");
        return secretName != null && client.secrets().inNamespace(namespace).withName(secretName.toString()).get() != null;
    }

    /** ARC's IsVersionAllowed: equal major and minor; the patch is ignored. */
    private boolean versionAllowed(String setVersion) {
        if (setVersion == null) {
            return false;
        }
        String[] mine = version.split("\\.");
        String[] theirs = setVersion.split("\\.");
        return theirs.length >= 2 && mine[0].equals(theirs[0]) && mine[1].equals(theirs[1]);
    }

    private String listenerName(GenericKubernetesResource set) {
        return set.getMetadata().getName() + "-" + hash(namespace).substring(0, 8) + "-listener";
    }

    private static GenericKubernetesResource resource(String kind, String name, String namespace, Map<String, String> labels,
            Map<String, String> annotations) {
        GenericKubernetesResource resource = new GenericKubernetesResource();
        resource.setApiVersion("actions.github.com/v1alpha1");
        resource.setKind(kind);
        resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(annotations).build());
        return resource;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource set) {
        return (Map<String, Object>) set.getAdditionalProperties().getOrDefault("spec", Map.of());
    }

    private static Map<String, String> labels(HasMetadata object) {
        return Optional.ofNullable(object.getMetadata().getLabels()).orElse(Map.of());
    }

    private static Map<String, String> annotations(HasMetadata object) {
        return Optional.ofNullable(object.getMetadata().getAnnotations()).orElse(Map.of());
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> sets() {
        return client.genericKubernetesResources(RUNNER_SETS).inNamespace(namespace);
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> ephemeralRunnerSets() {
        return client.genericKubernetesResources(EPHEMERAL_RUNNER_SETS).inNamespace(namespace);
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> listeners() {
        return client.genericKubernetesResources(LISTENERS).inNamespace(controllerNamespace);
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops reconciling, as a controller pod that exits. */
    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        worker.shutdownNow();
        client.close();
    }
}
