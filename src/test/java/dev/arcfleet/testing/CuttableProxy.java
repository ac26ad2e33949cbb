package dev.arcfleet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * A TCP proxy in front of the test API server that a test can cut, as a network partition would: the
 * API server sees the connections close, the client behind the proxy sees its requests hang (nothing is
 * answered, nothing refused) until {@link #restore()} closes them and lets new ones through. Or it can
 * {@link #stop()} the API server as the client sees it: connections reset, new ones refused.
 */
public final class CuttableProxy implements AutoCloseable {

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Set<Socket> upstreams = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "cuttable-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean cut;
    private volatile boolean refusing;

    public CuttableProxy(URI target) {
        targetHost = target.getHost();
        targetPort = target.getPort();
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(this::accept);
    }

    /** The URL to give a client instead of the API server's. */
    public String url() {
        return "https://127.0.0.1:" + server.getLocalPort();
    }

    public void cut() {
        cut = true;
        upstreams.forEach(CuttableProxy::closeQuietly);
    }

    /** The API server went away: open connections reset, new ones closed at once, until {@link #restore()}. */
    public void stop() {
        refusing = true;
        cut();
        clients.forEach(CuttableProxy::closeQuietly);
    }

    public void restore() {
        cut = false;
        refusing = false;
        clients.forEach(CuttableProxy::closeQuietly);
    }

    /** A client for the test API server that goes through this proxy. */
    public KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(TestApiServer.config()).withMasterUrl(url())
                .build()).build();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    closeQuietly(client);
                    continue;
                }
                clients.add(client);
                if (!cut) {
                    connect(client);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void connect(Socket client) throws IOException {
        Socket upstream = new Socket(targetHost, targetPort);
        upstreams.add(upstream);
        threads.execute(() -> pump(client, upstream, client, upstream));
        threads.execute(() -> pump(upstream, client, client, upstream));
    }

    /** Copies until either side ends; while cut, the client's socket is held open unanswered. */
    private void pump(Socket from, Socket to, Socket client, Socket upstream) {
        byte[] buffer = new byte[16384];
        try {
            // Not closed here: closing a socket's stream closes the socket, and a cut holds the client's open.
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int read;
            while ((read = in.read(buffer)) >= 0 && !cut) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // either side went away; handled below
        }
        closeQuietly(upstream);
        upstreams.remove(upstream);
        if (!cut) {
            closeQuietly(client);
            clients.remove(client);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        clients.forEach(CuttableProxy::closeQuietly);
        upstreams.forEach(CuttableProxy::closeQuietly);
        threads.shutdownNow();
    }
}
