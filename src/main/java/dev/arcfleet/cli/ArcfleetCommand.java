package dev.arcfleet.cli;

import picocli.CommandLine.Command;

@Command(name = "arcfleet", mixinStandardHelpOptions = true,
        description = "Keeps ARC runner sets in line with a ConfigMap of repositories. Without a command, runs the daemon.",
        subcommands = { RenderCommand.class, ValidateCommand.class, RouteCommand.class, WorkflowCommand.class,
            StatusCommand.class, ImportCommand.class })
public class ArcfleetCommand {
}
