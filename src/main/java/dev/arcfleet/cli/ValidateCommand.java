package dev.arcfleet.cli;

import java.util.List;
import java.util.concurrent.Callable;

import dev.arcfleet.fleet.ArcRequirements;
import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.settings.ArcfleetConfig;
import dev.arcfleet.settings.Placement;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks a repositories.yaml as the daemon would; exits 1 with the daemon's messages if it is invalid.")
public class ValidateCommand implements Callable<Integer> {

    @Inject
    ArcfleetConfig settings;

    @Mixin
    RepositoriesFile repositories;

    @Spec
    CommandSpec spec;

    @Option(names = "--arc-version", description = "Also check that this ARC controller version supports every value"
            + " (the daemon fails the sets of a repository it does not).")
    String arcVersion;

    @Override
    public Integer call() {
        try {
            FleetConfig config = repositories.parse();
            List<String> unsupported = arcVersion == null ? List.of() : config.repositories().stream()
                    .flatMap(repository -> ArcRequirements.unmet(repository, arcVersion).stream()).toList();
            if (!unsupported.isEmpty()) {
                spec.commandLine().getErr().printf("%s is valid, but not for ARC %s:%n", repositories.file, arcVersion);
                unsupported.forEach(problem -> spec.commandLine().getErr().println("  " + problem));
                return 1;
            }
            spec.commandLine().getOut().printf("%s is valid: %d repositories, %d runner sets%n", repositories.file,
                    config.repositories().size(), config.runnerSets().size());
            secretNotices(config).forEach(spec.commandLine().getOut()::println);
            return 0;
        } catch (InvalidFleetConfigException e) {
            spec.commandLine().getErr().printf("%s is invalid:%n", repositories.file);
            e.problems().forEach(problem -> spec.commandLine().getErr().println("  " + problem));
            return 1;
        }
    }

    /**
     * A Secret named by {@code githubConfigSecret} is read from the credentials namespace, where the chart read it
     * from the runner namespace: a Secret of that name left there is not the one used.
     */
    private List<String> secretNotices(FleetConfig fleet) {
        Placement placement = Placement.current();
        String credentials = placement.credentialsNamespace(settings);
        String elsewhere = credentials.equals(settings.namespace()) ? ""
                : ", not from " + settings.namespace() + " where the sets are: a Secret of that name there is not the one used";
        return fleet.repositories().stream().filter(repository -> repository.githubConfigSecret().isPresent())
                .map(repository -> "  notice: " + repository.fullName() + ": githubConfigSecret "
                        + repository.githubConfigSecret().get() + " is read from namespace " + credentials + " ("
                        + placement.credentialsNamespaceSource(settings) + ")" + elsewhere)
                .toList();
    }
}
