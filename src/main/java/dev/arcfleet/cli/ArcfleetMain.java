package dev.arcfleet.cli;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.arcfleet.reconcile.ReconcileLoop;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * {@code arcfleet} with no arguments runs the daemon; with a command it runs that command and exits,
 * without touching a cluster or serving HTTP (so it can run beside a daemon on the same port).
 */
@QuarkusMain
public class ArcfleetMain implements QuarkusApplication {

    private static final Logger LOG = Logger.getLogger(ArcfleetMain.class);
    /** Set once, before Quarkus starts. */
    private static boolean daemon;

    @Inject
    CommandLine.IFactory factory;

    /** Looked up when used: injecting the client itself would create it on the thread that starts Quarkus. */
    @Inject
    Instance<KubernetesClient> client;

    @Inject
    ReconcileLoop loop;

    public static void main(String... args) {
        daemon = args.length == 0;
        if (!daemon) {
            System.setProperty("quarkus.http.host-enabled", "false");
            // The command's output is what matters; startup chatter, or any log, would mix into
            // `render | kubectl diff -f -` or `import > repositories.yaml`.
            System.setProperty("quarkus.log.level", "WARN");
            System.setProperty("quarkus.log.console.stderr", "true");
        }
        Quarkus.run(ArcfleetMain.class, args);
    }

    /**
     * The daemon's first use of the Kubernetes client loads its model classes and TLS key store, about a
     * second; begun here, on a thread of its own, it overlaps the rest of Quarkus' start. A command makes
     * its own client, or none.
     */
    void prepareClient(@Observes StartupEvent event) {
        if (!daemon) {
            return;
        }
        Thread preparing = new Thread(() -> {
            try {
                client.get().getMasterUrl();
            } catch (RuntimeException e) {
                // The daemon's own first use reports it.
                LOG.debugf("Preparing the Kubernetes client failed: %s", e.getMessage());
            }
        }, "arcfleet-client-start");
        preparing.setDaemon(true);
        preparing.start();
    }

    @Override
    public int run(String... args) {
        if (args.length == 0) {
            loop.start();
            Quarkus.waitForExit();
            return 0;
        }
        return new CommandLine(ArcfleetCommand.class, factory).execute(args);
    }
}
