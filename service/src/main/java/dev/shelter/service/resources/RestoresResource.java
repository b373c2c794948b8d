package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.RestoreView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.RestoreCluster;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** One restore: its journal as it runs, and cancelling it. */
@Path("/api/v1/restores/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class RestoresResource {

    private final RestoreCluster restores;

    public RestoresResource(RestoreCluster restores) {
        this.restores = restores;
    }

    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public RestoreView showRestore(@PathParam("id") String id) {
        return RestoreView.of(restores.show(id));
    }

    /** Before the volumes are rolled back the restore stops and the cluster starts as it was; after, 409. */
    @POST
    @Path("/cancel")
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public RestoreView cancelRestore(@PathParam("id") String id) {
        return RestoreView.of(restores.cancel(id));
    }
}
