package dev.arcfleet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.arcfleet.fleet.FleetConfig;
import dev.arcfleet.fleet.FleetConfigParser;
import dev.arcfleet.fleet.InvalidFleetConfigException;
import dev.arcfleet.fleet.RepositoryConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code -f repositories.yaml} every command reads, parsed exactly as the daemon parses the ConfigMap. */
public class RepositoriesFile {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = { "-f", "--file" }, defaultValue = "repositories.yaml",
            description = "The repositories.yaml to read, as in the ConfigMap (default: ${DEFAULT-VALUE}).")
    Path file;

    FleetConfig parse() throws InvalidFleetConfigException {
        try {
            return new FleetConfigParser().parse(Files.readString(file));
        } catch (IOException e) {
            throw new ParameterException(command.commandLine(), "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Parses and exits non-zero with the daemon's messages when the file is invalid. */
    FleetConfig parseOrFail() {
        try {
            return parse();
        } catch (InvalidFleetConfigException e) {
            throw new ParameterException(command.commandLine(), file + " is invalid:\n  " + String.join("\n  ", e.problems()));
        }
    }

    RepositoryConfig repository(String name) {
        return parseOrFail().repositories().stream().filter(repository -> repository.fullName().equalsIgnoreCase(name))
                .findFirst().orElseThrow(() -> new ParameterException(command.commandLine(),
                        "repository " + name + " is not in " + file));
    }
}
