package dev.arcfleet.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.arcfleet.arc.ArcApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The API server's limit for a fleet's objects: each one server-side applied by one request, as fast as
 * {@code connections} keep-alive HTTP/1.1 connections carry them, bodies serialised beforehand. Nothing a
 * client could do with these objects over these connections is faster, so arcfleet is measured against it.
 */
final class RawApply {

    /** Plural and API path of each kind arcfleet applies. */
    private static final Map<String, String> PATHS = Map.of(
            "ServiceAccount", "/api/v1/namespaces/%s/serviceaccounts/%s",
            "Secret", "/api/v1/namespaces/%s/secrets/%s",
            "ConfigMap", "/api/v1/namespaces/%s/configmaps/%s",
            "Role", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/roles/%s",
            "RoleBinding", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings/%s",
            ArcApi.AUTOSCALING_RUNNER_SET_KIND, "/apis/actions.github.com/v1alpha1/namespaces/%s/autoscalingrunnersets/%s");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final Config config;
    private final int connections;

    RawApply(Config config, int connections) {
        this.config = config;
        this.connections = connections;
    }

    /** Applies {@code objects} (all in one namespace) and returns the milliseconds it took. */
    long apply(List<HasMetadata> objects) {
        List<HttpRequest> requests = objects.stream().map(this::request).toList();
        ExecutorService workers = Executors.newFixedThreadPool(connections);
        try {
            // The client opens a connection per request in flight and keeps it: at most one per worker.
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(SSLUtils.sslContext(config)).build();
            long start = System.nanoTime();
            List<Future<Integer>> responses = new ArrayList<>();
            for (HttpRequest request : requests) {
                responses.add(workers.submit(() -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()));
            }
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < responses.size(); i++) {
                int status = responses.get(i).get();
                if (status != 200 && status != 201) {
                    failed.add(BenchFleet.key(objects.get(i)) + ": HTTP " + status);
                }
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            if (!failed.isEmpty()) {
                throw new IllegalStateException(failed.size() + " server-side applies failed, such as " + failed.get(0));
            }
            return millis;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a server-side apply failed", e.getCause());
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS to the API server", e);
        } finally {
            workers.shutdownNow();
        }
    }

    private HttpRequest request(HasMetadata object) {
        String path = String.format(PATHS.get(object.getKind()), object.getMetadata().getNamespace(), object.getMetadata().getName());
        String master = config.getMasterUrl().replaceAll("/+$", "");
        return HttpRequest.newBuilder(URI.create(master + path + "?fieldManager=bench&force=true"))
                .header("Content-Type", "application/apply-patch+yaml")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(SERIALIZATION.asJson(object)))
                .timeout(Duration.ofMinutes(1)).build();
    }
}
