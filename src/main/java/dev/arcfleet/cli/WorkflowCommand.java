package dev.arcfleet.cli;

import java.util.concurrent.Callable;

import dev.arcfleet.route.WorkflowSnippets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "workflow", mixinStandardHelpOptions = true,
        description = "Prints workflow snippets that route a repository's jobs to its runner sets, in forms GitHub accepts.")
public class WorkflowCommand implements Callable<Integer> {

    @Mixin
    RepositoriesFile repositories;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OWNER/REPO")
    String repository;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(WorkflowSnippets.of(repositories.repository(repository)).asYaml());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
