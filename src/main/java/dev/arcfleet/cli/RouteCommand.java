package dev.arcfleet.cli;

import java.util.concurrent.Callable;

import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.route.RoutingRule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "route", mixinStandardHelpOptions = true,
        description = "Prints the runner set an issue or pull request number, or another key, is routed to.")
public class RouteCommand implements Callable<Integer> {

    @Mixin
    RepositoriesFile repositories;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OWNER/REPO")
    String repository;

    @Parameters(index = "1", paramLabel = "NUMBER", arity = "0..1", description = "An issue or pull request number.")
    Long number;

    @Option(names = "--key", description = "For events without a number: the run number, a branch name, ...")
    String key;

    @Override
    public Integer call() {
        if ((number == null) == (key == null)) {
            spec.commandLine().getErr().println("give either a NUMBER or --key");
            return 2;
        }
        if (number != null && number < 0) {
            spec.commandLine().getErr().println("NUMBER must not be negative");
            return 2;
        }
        RepositoryConfig config = repositories.repository(repository);
        RoutingRule.Route route = number != null ? RoutingRule.forNumber(config, number) : RoutingRule.forKey(config, key);
        spec.commandLine().getOut().printf("%s%n  %s%n", route.setName(), route.derivation());
        return 0;
    }
}
