package dev.arcfleet.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.parsetools.RecordParser;

/**
 * The watches arcfleet's informers hold open on a runner namespace (ClusterCache: every object of each kind it
 * applies, every PersistentVolumeClaim and every pod, without a selector), each on a connection of its own as the
 * daemon's HTTP/1.1 client holds them, every event decoded into its typed object as an informer decodes it. Done once
 * as many objects as were applied have been read as ADDED.
 */
final class DaemonWatches implements AutoCloseable {

    /** Watched by the daemon in a runner namespace beside the kinds it applies; quiet while a fleet is applied. */
    private static final List<String> QUIET = List.of("/api/v1/namespaces/%s/persistentvolumeclaims", "/api/v1/namespaces/%s/pods");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final HttpClient http;
    private final int expected;
    private final AtomicInteger added = new AtomicInteger();
    private final CompletableFuture<Void> allAdded = new CompletableFuture<>();
    private volatile boolean closing;

    /** Opens the watches on {@code namespace} and returns once the API server has answered each. */
    DaemonWatches(Vertx vertx, JdkSSLEngineOptions tls, String masterUrl, String authorization, List<String> appliedCollections,
            String namespace, int expected) {
        this.expected = expected;
        List<String> collections = new ArrayList<>(appliedCollections);
        collections.addAll(QUIET);
        http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setSslEngineOptions(tls)
                .setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(collections.size()));
        List<Future<Void>> established = new ArrayList<>();
        for (String collection : collections) {
            String path = String.format(collection, namespace);
            // Into a namespace still empty, a watch from no resourceVersion misses nothing an informer's list would find.
            established.add(http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(masterUrl + path + "?watch=true")
                            .putHeader("Authorization", authorization))
                    .compose(HttpClientRequest::send)
                    .map(response -> {
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException("watch of " + path + ": HTTP " + response.statusCode());
                        }
                        response.exceptionHandler(this::failed);
                        response.handler(RecordParser.newDelimited("\n", this::decode));
                        return null;
                    }));
        }
        try {
            Future.all(established).toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            close();
            throw new IllegalStateException("the daemon's watches did not open", e);
        }
    }

    private void decode(Buffer line) {
        WatchEvent event = SERIALIZATION.unmarshal(line.toString(), WatchEvent.class);
        if ("ERROR".equals(event.getType())) {
            failed(new IllegalStateException("a watch ended: " + line));
        } else if ("ADDED".equals(event.getType()) && added.incrementAndGet() >= expected) {
            allAdded.complete(null);
        }
    }

    private void failed(Throwable cause) {
        if (!closing) {
            allAdded.completeExceptionally(cause);
        }
    }

    /** Waits until the watches have read an ADDED event of every object applied. */
    void awaitAllAdded(Duration within) {
        try {
            allAdded.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a watch failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(added.get() + " of " + expected + " objects seen by the watches after " + within, e);
        }
    }

    @Override
    public void close() {
        closing = true;
        http.close();
    }
}
