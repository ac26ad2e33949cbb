package dev.arcfleet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;

import dev.arcfleet.arc.ArcApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;

/**
 * The API server's limit for a fleet's objects: each one server-side applied by one request, bodies serialised
 * beforehand, as fast as one {@link Limit} (a client, its protocol and how many requests it keeps in flight) carries
 * them. The benchmark measures several and takes the fastest as the anchor: a limit that another client beats over
 * the same requests is no limit. Every client authenticates as arcfleet does in a cluster, by a bearer token and
 * without a client certificate, whose signature on each new connection would cost the client CPU the daemon never spends.
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
    private static final String QUERY = "?fieldManager=bench&force=true";
    private static final String APPLY_PATCH = "application/apply-patch+yaml";
    private static final String JSON = "application/json";
    private static final String EVENTS = "/api/v1/namespaces/%s/events";
    private static final Duration WITHIN = Duration.ofMinutes(10);
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** The clients a limit is measured with; {@code id} is how {@code bench.clients} names them. */
    enum Client {
        JDK("jdk", "JDK HttpClient, HTTP/1.1", "connections"),
        VERTX_HTTP_1_1("vertx-http1", "Vert.x HttpClient, HTTP/1.1", "connections"),
        VERTX_HTTP_2("vertx-h2", "Vert.x HttpClient, HTTP/2 (ALPN)", "streams on one connection");

        final String id;
        final String title;
        final String widthUnit;

        Client(String id, String title, String widthUnit) {
            this.id = id;
            this.title = title;
            this.widthUnit = widthUnit;
        }

        static Client of(String id) {
            return Arrays.stream(values()).filter(client -> client.id.equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("bench.clients: one of "
                            + Arrays.stream(values()).map(client -> client.id).toList() + ", not " + id));
        }
    }

    /** One way of measuring the limit: {@code client} with at most {@code width} requests in flight. */
    record Limit(Client client, int width) {

        /** A name for namespaces and properties, such as {@code vertx-h2-32}. */
        String id() {
            return client.id + "-" + width;
        }

        @Override
        public String toString() {
            return client.title + ", " + width + " " + client.widthUnit;
        }
    }

    /** A limit's time, and the CPU the benchmark's own process (the client) and the API server with etcd spent meanwhile. */
    record Applied(long millis, Duration clientCpu, Duration serverCpu) {
    }

    private final Config config;
    private final String authorization;
    private final Vertx vertx;

    /**
     * {@code config}: the API server and its CA, and the bearer token to send. {@code vertx} carries the Vert.x clients'
     * event loops; it outlives every apply, as a daemon's would.
     */
    RawApply(Config config, Vertx vertx) {
        if (config.getClientCertData() != null || config.getClientCertFile() != null) {
            throw new IllegalArgumentException("the limits authenticate as arcfleet in a cluster does, by a bearer token: "
                    + "give a kubeconfig without a client certificate");
        }
        String token = config.getOauthToken() != null ? config.getOauthToken() : config.getAutoOAuthToken();
        if (token == null) {
            throw new IllegalArgumentException("the kubeconfig holds no bearer token");
        }
        this.config = config;
        this.authorization = "Bearer " + token;
        this.vertx = vertx;
    }

    /** Applies {@code objects} (all in one namespace) with {@code limit}'s client. */
    Applied apply(Limit limit, List<HasMetadata> objects) {
        return send(limit, sslContext(), objects.stream().map(this::prepare).toList(), () -> {
        });
    }

    /**
     * Not a limit but a floor of what any daemon with a cache costs the API server: {@code limit} again, with
     * {@link DaemonWatches} open on the namespace and read, and after each set's objects one Event created, as
     * arcfleet records a set it created. Done when every response is in and the watches have read every object.
     */
    Applied applyWatched(Limit limit, Map<String, List<HasMetadata>> bySet) {
        List<Prepared> requests = new ArrayList<>();
        int objects = 0;
        String namespace = null;
        for (List<HasMetadata> set : bySet.values()) {
            set.forEach(object -> requests.add(prepare(object)));
            HasMetadata runnerSet = set.stream().filter(object -> object.getKind().equals(ArcApi.AUTOSCALING_RUNNER_SET_KIND))
                    .findFirst().orElseThrow();
            requests.add(prepareEvent(runnerSet));
            objects += set.size();
            namespace = runnerSet.getMetadata().getNamespace();
        }
        SSLContext tls = sslContext();
        List<String> applied = PATHS.values().stream().map(path -> path.substring(0, path.lastIndexOf('/'))).toList();
        try (DaemonWatches watches = new DaemonWatches(vertx, new SharedTls(tls), master(), authorization, applied, namespace,
                objects)) {
            return send(limit, tls, requests, () -> watches.awaitAllAdded(WITHIN));
        }
    }

    /** Sends {@code requests} with {@code limit}'s client; the time and CPU run until they are answered and {@code until} returns. */
    private Applied send(Limit limit, SSLContext tls, List<Prepared> requests, Runnable until) {
        long clientCpuBefore = clientCpuNanos();
        Duration serverCpuBefore = serverCpu();
        long start = System.nanoTime();
        List<Integer> statuses = switch (limit.client()) {
            case JDK -> applyJdk(tls, limit.width(), requests);
            case VERTX_HTTP_1_1 -> applyVertx(tls, limit.width(), false, requests);
            case VERTX_HTTP_2 -> applyVertx(tls, limit.width(), true, requests);
        };
        until.run();
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        Applied applied = new Applied(millis, Duration.ofNanos(clientCpuNanos() - clientCpuBefore),
                serverCpu().minus(serverCpuBefore));
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < statuses.size(); i++) {
            if (statuses.get(i) != 200 && statuses.get(i) != 201) {
                failed.add(requests.get(i).what() + ": HTTP " + statuses.get(i));
            }
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException(limit + ": " + failed.size() + " requests failed, such as " + failed.get(0));
        }
        return applied;
    }

    /** A request ready to send: what it writes (for messages), its method, URI, content type and serialised body. */
    private record Prepared(String what, HttpMethod method, URI uri, String contentType, String body) {
    }

    private Prepared prepare(HasMetadata object) {
        String path = String.format(PATHS.get(object.getKind()), object.getMetadata().getNamespace(), object.getMetadata().getName());
        return new Prepared(BenchFleet.key(object), HttpMethod.PATCH, URI.create(master() + path + QUERY), APPLY_PATCH,
                SERIALIZATION.asJson(object));
    }

    /** The Event arcfleet records when it created a set (EventRecorder), about {@code runnerSet}. */
    private Prepared prepareEvent(HasMetadata runnerSet) {
        String namespace = runnerSet.getMetadata().getNamespace();
        String name = runnerSet.getMetadata().getName();
        String now = Instant.now().toString();
        Event event = new EventBuilder()
                .withNewMetadata().withGenerateName(name + ".").withNamespace(namespace).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(runnerSet.getApiVersion())
                        .withKind(runnerSet.getKind()).withName(name).withNamespace(namespace).build())
                .withType("Normal").withReason("Created").withMessage("created by arcfleet for the benchmark's fleet")
                .withNewSource().withComponent("arcfleet").endSource().withReportingComponent("arcfleet")
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        return new Prepared("Event about " + name, HttpMethod.POST, URI.create(master() + String.format(EVENTS, namespace)), JSON,
                SERIALIZATION.asJson(event));
    }

    private String master() {
        return config.getMasterUrl().replaceAll("/+$", "");
    }

    /** One blocking send per worker thread: the JDK client opens a connection per request in flight and keeps it. */
    private List<Integer> applyJdk(SSLContext tls, int connections, List<Prepared> requests) {
        ExecutorService workers = Executors.newFixedThreadPool(connections);
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
            List<Future<Integer>> responses = new ArrayList<>();
            for (Prepared prepared : requests) {
                HttpRequest request = HttpRequest.newBuilder(prepared.uri()).header("Content-Type", prepared.contentType())
                        .header("Authorization", authorization)
                        .method(prepared.method().name(), HttpRequest.BodyPublishers.ofString(prepared.body()))
                        .timeout(Duration.ofMinutes(1)).build();
                responses.add(workers.submit(() -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> response : responses) {
                statuses.add(response.get());
            }
            return statuses;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a server-side apply failed", e.getCause());
        } finally {
            workers.shutdownNow();
        }
    }

    /**
     * At most {@code width} requests in flight, the next sent as one completes: over HTTP/1.1 a pool of at most
     * {@code width} keep-alive connections; over HTTP/2 one connection, negotiated by ALPN, with {@code width}
     * concurrent streams. Each response must come back in the protocol asked for, or the limit would measure another.
     */
    private List<Integer> applyVertx(SSLContext tls, int width, boolean http2, List<Prepared> requests) {
        HttpClientOptions options = new HttpClientOptions().setSsl(true).setSslEngineOptions(new SharedTls(tls));
        PoolOptions pool = new PoolOptions();
        if (http2) {
            options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true).setHttp2MultiplexingLimit(width);
            pool.setHttp2MaxSize(1);
        } else {
            options.setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true);
            pool.setHttp1MaxSize(width);
        }
        HttpVersion expected = http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1;
        io.vertx.core.http.HttpClient http = vertx.createHttpClient(options, pool);
        Integer[] statuses = new Integer[requests.size()];
        Set<HttpVersion> versions = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        Runnable[] sendNext = new Runnable[1];
        sendNext[0] = () -> {
            int index = next.getAndIncrement();
            if (index >= requests.size()) {
                return;
            }
            Prepared prepared = requests.get(index);
            http.request(new RequestOptions().setMethod(prepared.method()).setAbsoluteURI(prepared.uri().toString())
                            .putHeader("Content-Type", prepared.contentType()).putHeader("Authorization", authorization))
                    .compose(request -> request.send(Buffer.buffer(prepared.body())))
                    .compose(response -> {
                        versions.add(response.version());
                        return response.end().map(ignored -> response.statusCode());
                    })
                    .onComplete(result -> {
                        if (result.failed()) {
                            all.completeExceptionally(result.cause());
                            return;
                        }
                        statuses[index] = result.result();
                        if (done.incrementAndGet() == requests.size()) {
                            all.complete(null);
                        } else {
                            sendNext[0].run();
                        }
                    });
        };
        try {
            for (int i = 0; i < Math.min(width, requests.size()); i++) {
                sendNext[0].run();
            }
            all.get(WITHIN.toMinutes(), TimeUnit.MINUTES);
            if (!versions.equals(Set.of(expected))) {
                throw new IllegalStateException("asked for " + expected + ", the API server answered in " + versions);
            }
            return Arrays.asList(statuses);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a server-side apply failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(requests.size() - done.get() + " server-side applies unanswered after " + WITHIN, e);
        } finally {
            http.close();
        }
    }

    /** The TLS of the JDK client: the API server's CA, and no client certificate (the constructor refuses one), as fabric8 builds it. */
    private SSLContext sslContext() {
        try {
            return SSLUtils.sslContext(config);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS to the API server", e);
        }
    }

    /**
     * Vert.x over the same {@link SSLContext}: Vert.x asks its factory for ALPN and the protocols to offer, and
     * this one passes them on (fabric8's own, in kubernetes-httpclient-vertx 7.5, disables ALPN and so HTTP/2).
     */
    static final class SharedTls extends JdkSSLEngineOptions {

        private final SSLContext context;

        SharedTls(SSLContext context) {
            this.context = context;
        }

        @Override
        public JdkSSLEngineOptions copy() {
            return this;
        }

        @Override
        public SslContextFactory sslContextFactory() {
            return new SslContextFactory() {
                private boolean alpn;
                private List<String> protocols = List.of();

                @Override
                public SslContextFactory useAlpn(boolean useAlpn) {
                    this.alpn = useAlpn;
                    return this;
                }

                @Override
                public SslContextFactory applicationProtocols(List<String> applicationProtocols) {
                    this.protocols = applicationProtocols == null ? List.of() : List.copyOf(applicationProtocols);
                    return this;
                }

                @Override
                public io.netty.handler.ssl.SslContext create() {
                    ApplicationProtocolConfig negotiation = alpn && !protocols.isEmpty()
                            ? new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols)
                            : ApplicationProtocolConfig.DISABLED;
                    return new JdkSslContext(context, true, null, IdentityCipherSuiteFilter.INSTANCE, negotiation,
                            io.netty.handler.ssl.ClientAuth.NONE, null, false);
                }
            };
        }
    }

    /**
     * CPU time of this process, which while a limit runs is the client's: the daemon has stopped, and no watch is open but
     * those of {@link #applyWatched}, whose reading a daemon's informers do too.
     */
    private static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time so far of the API server and etcd, the benchmark's own child processes. */
    static Duration serverCpu() {
        return ProcessHandle.current().descendants()
                .filter(process -> process.info().command().map(command -> command.endsWith("kube-apiserver")
                        || command.endsWith("/etcd")).orElse(false))
                .map(process -> process.info().totalCpuDuration().orElse(Duration.ZERO))
                .reduce(Duration.ZERO, Duration::plus);
    }

    /** Every limit of {@code clients} at each of {@code widths}, in that order. */
    static List<Limit> limits(List<Client> clients, List<Integer> widths) {
        List<Limit> limits = new ArrayList<>();
        for (Client client : clients) {
            for (int width : widths) {
                limits.add(new Limit(client, width));
            }
        }
        return Collections.unmodifiableList(limits);
    }
}
