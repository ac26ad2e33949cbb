package dev.arcfleet.api;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.fleet.RepositoryConfig;
import dev.arcfleet.route.RoutingRule;
import dev.arcfleet.route.WorkflowSnippets;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Which set a piece of work goes to, and workflow snippets that route to it, for the enforced configuration. */
@Path("/api/v1")
public class RouteResource {

    @Inject
    Daemon loop;

    @RegisterForReflection
    public record RouteAnswer(String repository, String set, int instance, String derivation) {
    }

    @GET
    @Path("/route")
    @Produces(MediaType.APPLICATION_JSON)
    public RouteAnswer route(@QueryParam("repository") String repository, @QueryParam("issue") String issue,
            @QueryParam("key") String key) {
        RepositoryConfig config = repository(repository);
        RoutingRule.Route route;
        if (issue != null) {
            if (!issue.matches("[0-9]{1,18}")) {
                throw badRequest("issue must be a non-negative number, got '" + issue + "'");
            }
            route = RoutingRule.forNumber(config, Long.parseLong(issue));
        } else if (key != null) {
            route = RoutingRule.forKey(config, key);
        } else {
            throw badRequest("give issue=<number> (issue or pull request) or key=<text> (e.g. run number, branch)");
        }
        return new RouteAnswer(config.fullName(), route.setName(), route.instance(), route.derivation());
    }

    @GET
    @Path("/workflow")
    @Produces("application/yaml")
    public String workflow(@QueryParam("repository") String repository) {
        return WorkflowSnippets.of(repository(repository)).asYaml();
    }

    private RepositoryConfig repository(String name) {
        if (name == null) {
            throw badRequest("repository=<owner/repo> is required");
        }
        Optional<RepositoryConfig> found = loop.snapshot().enforcedConfig().flatMap(config -> config.repositories().stream()
                .filter(repository -> repository.fullName().equalsIgnoreCase(name)).findFirst());
        return found.orElseThrow(() -> new WebApplicationException(Response.status(Response.Status.NOT_FOUND)
                .type(MediaType.TEXT_PLAIN).entity("repository " + name + " is not in the enforced configuration\n").build()));
    }

    private static WebApplicationException badRequest(String message) {
        return new WebApplicationException(Response.status(Response.Status.BAD_REQUEST).type(MediaType.TEXT_PLAIN)
                .entity(message + "\n").build());
    }
}
