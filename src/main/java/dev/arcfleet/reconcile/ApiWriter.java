package dev.arcfleet.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.arcfleet.render.RunnerSetRenderer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;

/**
 * The only place arcfleet writes to the API server: server-side apply as field manager
 * {@code arcfleet}, deletes guarded by the resourceVersion the decision was made on, and the
 * release of arcfleet's own cleanup finalizer. Transient failures are retried with backoff.
 */
final class ApiWriter {

    static final String FIELD_MANAGER = "arcfleet";

    private static final Logger LOG = Logger.getLogger(ApiWriter.class);
    private static final int ATTEMPTS = 3;
    private static final long FIRST_BACKOFF_MILLIS = 200;

    private final KubernetesClient client;
    private final Map<WriteKind, LongAdder> writes = new ConcurrentHashMap<>();

    /** A kind of write request, e.g. apply of Secret; the unit of the write metrics. */
    public record WriteKind(String verb, String kind) {
    }

    ApiWriter(KubernetesClient client) {
        this.client = client;
    }

    /** Returns the object as the API server stored it. */
    HasMetadata apply(HasMetadata object) {
        return withRetries("apply", object,
                () -> resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply());
    }

    void delete(HasMetadata live) {
        withRetries("delete", live,
                () -> resource(live).lockResourceVersion(live.getMetadata().getResourceVersion()).delete());
    }

    /** Lets a hand-deleted companion go, so that it can be created again; ARC is not cleaning up this set. */
    void releaseCleanupFinalizer(HasMetadata live) {
        List<String> remaining = new ArrayList<>(live.getMetadata().getFinalizers());
        remaining.remove(RunnerSetRenderer.CLEANUP_FINALIZER);
        withRetries("release-finalizer", live, () -> resource(live).edit(current -> {
            current.getMetadata().setFinalizers(remaining);
            return current;
        }));
    }

    /** Writes to managed objects so far; events are not counted, they change nothing arcfleet manages. */
    long totalWrites() {
        return writes.entrySet().stream().filter(entry -> !entry.getKey().kind().equals("Event"))
                .mapToLong(entry -> entry.getValue().sum()).sum();
    }

    /** Records an event for people reading {@code kubectl describe}; a lost event never fails a cycle. */
    void createEvent(Event event) {
        writes.computeIfAbsent(new WriteKind("create", "Event"), key -> new LongAdder()).increment();
        try {
            client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.debugf("Cannot record event %s: %s", event.getReason(), reason(e));
        }
    }

    /** Write requests sent so far, by verb and kind. */
    Map<WriteKind, Long> writeCounts() {
        Map<WriteKind, Long> counts = new java.util.HashMap<>();
        writes.forEach((key, count) -> counts.put(key, count.sum()));
        return counts;
    }

    private Resource<? extends HasMetadata> resource(HasMetadata object) {
        if (object instanceof GenericKubernetesResource generic) {
            return client.genericKubernetesResources(ClusterCache.AUTOSCALING_RUNNER_SETS)
                    .inNamespace(generic.getMetadata().getNamespace()).resource(generic);
        }
        return client.resource(object);
    }

    private <T> T withRetries(String verb, HasMetadata object, Supplier<T> write) {
        String description = verb + " " + object.getKind() + " " + object.getMetadata().getName();
        for (int attempt = 1;; attempt++) {
            writes.computeIfAbsent(new WriteKind(verb, object.getKind()), key -> new LongAdder()).increment();
            try {
                return write.get();
            } catch (KubernetesClientException e) {
                if (attempt == ATTEMPTS || !transientFailure(e)) {
                    throw new WriteFailedException(description + " failed: " + reason(e), e);
                }
                LOG.debugf("%s failed (attempt %d), retrying: %s", description, attempt, reason(e));
                sleep(FIRST_BACKOFF_MILLIS << (attempt - 1));
            }
        }
    }

    private static boolean transientFailure(KubernetesClientException e) {
        int code = e.getCode();
        return code == 0 || code == 409 || code == 429 || code >= 500;
    }

    static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return "HTTP " + e.getCode() + ": " + e.getStatus().getMessage();
        }
        return e.getCode() == 0 ? String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
                : "HTTP " + e.getCode();
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted", e);
        }
    }

    static final class WriteFailedException extends RuntimeException {
        WriteFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
