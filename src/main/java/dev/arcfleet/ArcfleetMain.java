package dev.arcfleet;

import jakarta.inject.Inject;

import dev.arcfleet.cli.ArcfleetCommand;
import dev.arcfleet.daemon.Daemon;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * {@code arcfleet} with no arguments runs the daemon; with a command it runs that command and exits,
 * without touching a cluster or serving HTTP (so it can run beside a daemon on the same port).
 */
@QuarkusMain
public class ArcfleetMain implements QuarkusApplication {

    @Inject
    CommandLine.IFactory factory;

    @Inject
    Daemon loop;

    public static void main(String... args) {
        if (args.length > 0) {
            System.setProperty("quarkus.http.host-enabled", "false");
            // The command's output is what matters; startup chatter, or any log, would mix into
            // `render | kubectl diff -f -` or `import > repositories.yaml`.
            System.setProperty("quarkus.log.level", "WARN");
            System.setProperty("quarkus.log.console.stderr", "true");
        }
        Quarkus.run(ArcfleetMain.class, args);
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
