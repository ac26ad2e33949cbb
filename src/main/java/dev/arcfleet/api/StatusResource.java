package dev.arcfleet.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.arcfleet.daemon.Daemon;
import dev.arcfleet.status.FleetStatus;

/** The whole fleet at a glance: what arcfleet wants, what ARC reports, and what is being pruned. */
@Path("/api/v1/status")
public class StatusResource {

    @Inject
    Daemon loop;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public FleetStatus status() {
        return loop.status();
    }
}
