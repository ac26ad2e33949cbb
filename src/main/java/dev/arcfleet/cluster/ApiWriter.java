package dev.arcfleet.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.arcfleet.arc.ArcApi;
import dev.arcfleet.arc.ArcKeys;
import dev.arcfleet.render.Labels;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.internal.OperationSupport;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The only place arcfleet writes to the API server: server-side apply as field manager
 * {@code arcfleet}, deletes guarded by the resourceVersion the decision was made on, and the
 * release of arcfleet's own cleanup finalizer. Transient failures are retried with backoff. Every request,
 * each retry and each Event is sent only while the {@link WriteFence} holds; once it does not, the write ends at
 * once as a {@link FencedException}, nothing sent and nothing retried.
 */
public final class ApiWriter implements AutoCloseable {

    static final String FIELD_MANAGER = "arcfleet";

    private static final Logger LOG = Logger.getLogger(ApiWriter.class);
    private static final int ATTEMPTS = 3;
    private static final long FIRST_BACKOFF_MILLIS = 200;

    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final String APPLY_PATCH_CONTENT_TYPE = "application/apply-patch+yaml";

    private final KubernetesClient client;
    private final WriteFence fence;
    /** Logged once per writer: a lapsed token refuses every write that follows, which say so at debug level. */
    private final AtomicBoolean refusalLogged = new AtomicBoolean();
    /** The API server's URL, ending in a slash. */
    private final String apiServer;
    private final Map<WriteKind, LongAdder> writes = new ConcurrentHashMap<>();
    private final Semaphore appliesInFlight;
    private static final int EVENT_BACKLOG = 1000;
    private final ExecutorService eventSender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(EVENT_BACKLOG), runnable -> {
                Thread thread = new Thread(runnable, "arcfleet-events");
                thread.setDaemon(true);
                return thread;
            });
    /** Events raised while held, until {@link #sendHeldEvents}; guarded by itself, as is the limit. */
    private final List<Event> heldEvents = new ArrayList<>();
    /** How many events may be held; 0 while they are not held. */
    private int heldEventsLimit;

    /** A kind of write request, e.g. apply of Secret; the unit of the write metrics. */
    public record WriteKind(String verb, String kind) {
    }

    /** {@code fence} is asked before every request, retry and event; {@code appliesInFlight}: applies unanswered, at most. */
    public ApiWriter(KubernetesClient client, WriteFence fence, int appliesInFlight) {
        this.client = client;
        this.fence = fence;
        if (appliesInFlight < 1) {
            throw new IllegalArgumentException("arcfleet.reconcile.applies-in-flight must be at least 1, not " + appliesInFlight);
        }
        this.appliesInFlight = new Semaphore(appliesInFlight);
        String masterUrl = client.getMasterUrl().toString();
        this.apiServer = masterUrl.endsWith("/") ? masterUrl : masterUrl + "/";
    }

    /**
     * Applies the object; the future holds the identity the API server stored it under: kind, name, namespace, uid and
     * resourceVersion, all a cycle keeps of a write. The request is sent with the client's own HTTP client
     * (its authentication, retries and timeout) rather than its {@code patch}, which copies the object
     * through JSON, parses the body again and reads the whole response, managedFields and all, into a
     * model: at 300 new sets that was a tenth of the daemon's CPU, taken from the API server it shares
     * the machine with.
     *
     * <p>No thread waits for it: a set's companions are sent together, so a cycle keeps many requests in flight
     * on few threads. The fence is asked before each attempt; a retry waits its backoff on a timer, not a thread.
     * Fails with a {@link WriteFailedException} (a {@link FencedException} when refused); {@link #await} waits for it.
     */
    public CompletableFuture<HasMetadata> applyAsync(RenderedObject object) {
        // Without a bound, a first sync of 300 sets held 79 more connections than with 32, a TLS handshake each.
        try {
            appliesInFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new WriteFailedException("interrupted", e));
        }
        CompletableFuture<HasMetadata> applied = withRetriesAsync("apply " + object.kind().kind() + " " + object.name(),
                new WriteKind("apply", object.kind().kind()), 1, () -> send(object).thenApply(body -> storedIdentity(object, body)));
        applied.whenComplete((stored, failure) -> appliesInFlight.release());
        return applied;
    }

    private CompletableFuture<byte[]> send(RenderedObject object) {
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder().uri(applyUrl(object))
                .method("PATCH", APPLY_PATCH_CONTENT_TYPE, object.body())
                .timeout(client.getConfiguration().getRequestTimeout(), TimeUnit.MILLISECONDS).build();
        return client.getHttpClient().sendAsync(request, byte[].class).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = unwrapped(failure);
                throw cause instanceof KubernetesClientException clientFailure ? clientFailure
                        : new KubernetesClientException(String.valueOf(cause.getMessage()), cause);
            }
            if (!response.isSuccessful()) {
                throw OperationSupport.requestFailure(request, OperationSupport.createStatus(response, JSON));
            }
            return response.body();
        });
    }

    private String applyUrl(RenderedObject object) {
        String apiVersion = object.apiVersion();
        return apiServer + (apiVersion.contains("/") ? "apis/" : "api/") + apiVersion + "/namespaces/"
                + object.namespace() + "/" + object.kind().plural() + "/" + object.name()
                + "?fieldManager=" + FIELD_MANAGER + "&force=true";
    }

    /** Reads the response only as far as its metadata's uid and resourceVersion, which come before the rest. */
    private static HasMetadata storedIdentity(RenderedObject object, byte[] response) {
        String uid = null;
        String resourceVersion = null;
        try (JsonParser parser = JSON_FACTORY.createParser(response)) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME && (uid == null || resourceVersion == null)) {
                    String field = parser.currentName();
                    parser.nextToken();
                    if (!field.equals("metadata")) {
                        parser.skipChildren();
                        continue;
                    }
                    while (parser.nextToken() == JsonToken.FIELD_NAME && (uid == null || resourceVersion == null)) {
                        String metadataField = parser.currentName();
                        parser.nextToken();
                        switch (metadataField) {
                            case "uid" -> uid = parser.getText();
                            case "resourceVersion" -> resourceVersion = parser.getText();
                            default -> parser.skipChildren();
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new KubernetesClientException("unreadable response to the apply of " + object.describe() + ": "
                    + e.getMessage(), e);
        }
        if (uid == null || resourceVersion == null) {
            throw new KubernetesClientException("the response to the apply of " + object.describe()
                    + " has no uid or resourceVersion");
        }
        GenericKubernetesResource stored = new GenericKubernetesResource();
        stored.setApiVersion(object.apiVersion());
        stored.setKind(object.kind().kind());
        stored.setMetadata(new ObjectMetaBuilder().withName(object.name()).withNamespace(object.namespace()).withUid(uid)
                .withResourceVersion(resourceVersion).build());
        return stored;
    }

    /**
     * Deletes the object only while it is still the one the decision was made on. ARC updates a set's
     * status all the time, so a changed resourceVersion alone is re-read: the delete goes ahead if the
     * object is the same one (uid) and still carries arcfleet's label and the same owner.
     */
    public void delete(HasMetadata live) {
        withRetries("delete", live, () -> {
            HasMetadata current = live;
            try {
                return resource(live).lockResourceVersion(live.getMetadata().getResourceVersion()).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                current = resource(live).get();
            }
            if (current == null || !current.getMetadata().getUid().equals(live.getMetadata().getUid())) {
                return List.of();
            }
            if (!Labels.managedByArcfleet(current) || !Labels.owner(current).equals(Labels.owner(live))) {
                throw new WriteFailedException("delete " + live.getKind() + " " + live.getMetadata().getName()
                        + " skipped: it no longer carries the labels it was chosen by", null);
            }
            checkFence("delete " + live.getKind() + " " + live.getMetadata().getName());
            return resource(current).lockResourceVersion(current.getMetadata().getResourceVersion()).delete();
        });
    }

    /**
     * Sets ({@code value} present) or removes one annotation, only on the object as {@code live} shows it: the
     * patch carries its resourceVersion, so a change meanwhile makes it fail rather than act on what was not seen.
     * Returns the object as stored, or nothing when it changed or went meanwhile: the next cycle decides afresh.
     */
    public Optional<HasMetadata> annotate(HasMetadata live, String key, Optional<String> value) {
        Map<String, Object> metadata = new java.util.LinkedHashMap<>();
        metadata.put("resourceVersion", live.getMetadata().getResourceVersion());
        Map<String, Object> annotations = new java.util.HashMap<>();
        annotations.put(key, value.orElse(null));
        metadata.put("annotations", annotations);
        String patch = JSON.asJson(Map.of("metadata", metadata));
        return withRetries("annotate", live, () -> {
            try {
                return Optional.<HasMetadata>of(resource(live).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 || e.getCode() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * Sets one annotation on the object as it is stored now, while it is still the same object (uid): for an
     * object that waits for another controller's finalizer, which may update it at any time.
     */
    public Optional<HasMetadata> annotateAsStored(HasMetadata live, String key, Optional<String> value) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            HasMetadata current;
            try {
                current = resource(live).get();
            } catch (KubernetesClientException e) {
                throw new WriteFailedException("read " + live.getKind() + " " + live.getMetadata().getName() + " failed: "
                        + reason(e), e);
            }
            if (current == null || !current.getMetadata().getUid().equals(live.getMetadata().getUid())) {
                return Optional.empty();
            }
            Optional<HasMetadata> stored = annotate(current, key, value);
            if (stored.isPresent()) {
                return stored;
            }
        }
        return Optional.empty();
    }

    /**
     * Deletes the object only at the resourceVersion the decision was made on, and says whether it did: unlike
     * {@link #delete}, a conflict is not read again but left to the next cycle, which decides afresh.
     */
    public boolean deleteUnchanged(HasMetadata live) {
        return withRetries("delete", live, () -> {
            try {
                resource(live).lockResourceVersion(live.getMetadata().getResourceVersion()).delete();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 || e.getCode() == 404) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * Lets a deleted companion go that no ARC cleanup will release. Read first: when ARC got there
     * first, nothing is sent. The JSON patch tests the finalizers it read, so a concurrent change by ARC
     * makes it fail and be read again rather than overwrite ARC's.
     */
    public void releaseCleanupFinalizer(HasMetadata live) {
        withRetries("release-finalizer", live, () -> {
            HasMetadata current = resource(live).get();
            List<String> finalizers = current == null ? List.of() : current.getMetadata().getFinalizers();
            if (finalizers == null || !finalizers.contains(ArcKeys.CLEANUP_FINALIZER)) {
                return null;
            }
            List<String> remaining = new ArrayList<>(finalizers);
            remaining.remove(ArcKeys.CLEANUP_FINALIZER);
            checkFence("release-finalizer " + live.getKind() + " " + live.getMetadata().getName());
            String patch = "[{\"op\":\"test\",\"path\":\"/metadata/finalizers\",\"value\":" + JSON.asJson(finalizers)
                    + "},{\"op\":\"replace\",\"path\":\"/metadata/finalizers\",\"value\":" + JSON.asJson(remaining) + "}]";
            try {
                return resource(current).patch(PatchContext.of(PatchType.JSON), patch);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return null;
                }
                throw e;
            }
        });
    }

    /**
     * Removes annotations that another field manager owns, which arcfleet's apply, owning none of them, cannot.
     * A merge patch of nulls: what is already gone stays gone, and no other key is touched.
     */
    public HasMetadata removeAnnotations(HasMetadata live, List<String> keys) {
        Map<String, Object> nulls = new LinkedHashMap<>();
        keys.forEach(key -> nulls.put(key, null));
        String patch = JSON.asJson(Map.of("metadata", Map.of("annotations", nulls)));
        return withRetries("remove-annotations", live, () -> resource(live).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
    }

    /** Writes to managed objects so far; events are not counted, they change nothing arcfleet manages. */
    public long totalWrites() {
        return writes.entrySet().stream().filter(entry -> !entry.getKey().kind().equals("Event"))
                .mapToLong(entry -> entry.getValue().sum()).sum();
    }

    /**
     * Records an event for people reading {@code kubectl describe}, in the background: a set's writes
     * never wait for its event, and a lost event never fails a cycle. While events are {@linkplain #holdEvents
     * held}, it waits for {@link #sendHeldEvents}; otherwise beyond {@link #EVENT_BACKLOG} waiting, events are
     * dropped rather than let a storm grow the heap.
     */
    void createEvent(Event event) {
        if (!fence.mayWrite()) {
            LOG.debugf("Event %s not recorded: this daemon no longer holds its leadership token", event.getReason());
            return;
        }
        synchronized (heldEvents) {
            if (heldEventsLimit > 0) {
                if (heldEvents.size() < heldEventsLimit) {
                    heldEvents.add(event);
                    count(new WriteKind("create", "Event"));
                } else {
                    LOG.debugf("Event %s dropped: %d events are held", event.getReason(), heldEventsLimit);
                }
                return;
            }
        }
        count(new WriteKind("create", "Event"));
        sendInBackground(List.of(event));
    }

    /** Holds events until {@link #sendHeldEvents}, off the writes they report; beyond {@code limit}, a cycle's most, they drop. */
    public void holdEvents(int limit) {
        synchronized (heldEvents) {
            heldEventsLimit = limit;
        }
    }

    /**
     * Sends the held events, in the order they were raised, and stops holding. They wait as one batch: a sync of
     * more new sets than {@link #EVENT_BACKLOG} loses none of their events. A daemon that lost its token meanwhile
     * drops them here, and the fence is asked again before each is sent.
     */
    public void sendHeldEvents() {
        List<Event> batch;
        synchronized (heldEvents) {
            batch = List.copyOf(heldEvents);
            heldEvents.clear();
            heldEventsLimit = 0;
        }
        if (!fence.mayWrite()) {
            LOG.debugf("%d held event(s) not recorded: this daemon no longer holds its leadership token", batch.size());
        } else if (!batch.isEmpty()) {
            sendInBackground(batch);
        }
    }

    private void sendInBackground(List<Event> batch) {
        try {
            eventSender.execute(() -> {
                for (Event event : batch) {
                    try {
                        checkFence("create Event " + event.getReason());
                        client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
                    } catch (KubernetesClientException e) {
                        LOG.debugf("Cannot record event %s: %s", event.getReason(), reason(e));
                    } catch (FencedException e) {
                        LOG.debugf("Event %s not recorded: %s", event.getReason(), e.getMessage());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debugf("%d event(s) dropped: %d events are waiting to be sent", batch.size(), EVENT_BACKLOG);
        }
    }

    /** Stops sending events; those still waiting or held are dropped with the client they would be sent by. */
    @Override
    public void close() {
        synchronized (heldEvents) {
            heldEvents.clear();
            heldEventsLimit = 0;
        }
        eventSender.shutdownNow();
    }

    /** Write requests sent so far, by verb and kind. */
    public Map<WriteKind, Long> writeCounts() {
        Map<WriteKind, Long> counts = new java.util.HashMap<>();
        writes.forEach((key, count) -> counts.put(key, count.sum()));
        return counts;
    }

    private Resource<? extends HasMetadata> resource(HasMetadata object) {
        if (object instanceof GenericKubernetesResource generic) {
            return client.genericKubernetesResources(ArcApi.AUTOSCALING_RUNNER_SETS)
                    .inNamespace(generic.getMetadata().getNamespace()).resource(generic);
        }
        return client.resource(object);
    }

    private <T> T withRetries(String verb, HasMetadata object, Supplier<T> write) {
        return withRetries(verb, object.getKind(), object.getMetadata().getName(), write);
    }

    private <T> T withRetries(String verb, String kind, String name, Supplier<T> write) {
        String description = verb + " " + kind + " " + name;
        for (int attempt = 1;; attempt++) {
            checkFence(description);
            count(new WriteKind(verb, kind));
            try {
                return write.get();
            } catch (KubernetesClientException e) {
                sleep(backoffBeforeRetry(description, attempt, e));
            }
        }
    }

    /** The same attempts, fence and backoff as {@link #withRetries}, without a thread waiting on the request or the backoff. */
    private <T> CompletableFuture<T> withRetriesAsync(String description, WriteKind kind, int attempt,
            Supplier<CompletableFuture<T>> write) {
        CompletableFuture<T> sent;
        try {
            checkFence(description);
            count(kind);
            sent = write.get();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.exceptionallyCompose(failure -> {
            Throwable cause = unwrapped(failure);
            if (!(cause instanceof KubernetesClientException clientFailure)) {
                return CompletableFuture.failedFuture(cause);
            }
            long backoff = backoffBeforeRetry(description, attempt, clientFailure);
            return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS))
                    .thenCompose(waited -> withRetriesAsync(description, kind, attempt + 1, write));
        });
    }

    /** How long to wait before the next attempt, or the end of the write if there is none. */
    private static long backoffBeforeRetry(String description, int attempt, KubernetesClientException e) {
        if (attempt == ATTEMPTS || !transientFailure(e)) {
            throw new WriteFailedException(description + " failed: " + reason(e), e);
        }
        LOG.debugf("%s failed (attempt %d), retrying: %s", description, attempt, reason(e));
        return FIRST_BACKOFF_MILLIS << (attempt - 1);
    }

    private void count(WriteKind kind) {
        writes.computeIfAbsent(kind, key -> new LongAdder()).increment();
    }

    /** Waits for an asynchronous write, failing as its synchronous form would. */
    public static <T> T await(CompletableFuture<T> write) {
        try {
            return write.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = unwrapped(e);
            throw cause instanceof RuntimeException runtime ? runtime
                    : new WriteFailedException(String.valueOf(cause.getMessage()), cause);
        }
    }

    private static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Ends the write, nothing sent, once this daemon may no longer write. */
    private void checkFence(String description) {
        if (fence.mayWrite()) {
            return;
        }
        FencedException refused = new FencedException(description);
        if (refusalLogged.compareAndSet(false, true)) {
            LOG.warnf("%s; this and every later write of this leadership term are refused", refused.getMessage());
        } else {
            LOG.debug(refused.getMessage());
        }
        throw refused;
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

    public static class WriteFailedException extends RuntimeException {
        public WriteFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A write refused by the {@link WriteFence}: not sent, not retried. A failed write to the callers, which
     * handle it as any other; the term it belongs to is ending.
     */
    public static final class FencedException extends WriteFailedException {
        FencedException(String description) {
            super(description + " refused, not sent: this daemon no longer holds its leadership token (the Lease could not"
                    + " be renewed within the renew deadline)", null);
        }
    }
}
