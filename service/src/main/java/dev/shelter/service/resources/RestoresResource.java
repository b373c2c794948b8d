package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.PlanView;
import dev.shelter.service.api.RestoreView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.RestoreCluster;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** One restore: its journal as it runs, cancelling it, and removing the new cluster it made. */
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
        var journal = restores.show(id);
        return RestoreView.of(journal, restores.teardownOf(journal));
    }

    /**
     * Tears down the new cluster a "new-cluster" restore made: its server, its volumes, its archive.
     * {@code confirm} must name the new cluster; {@code dryRun=true} answers the steps, changing
     * nothing. 202 with the restore, whose newCluster.state goes from removing to removed; 409 for
     * a restore that made none, still runs, or whose new cluster is removed already.
     */
    @DELETE
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public Response tearDownNewCluster(@PathParam("id") String id, @QueryParam("confirm") String confirm,
                                       @QueryParam("dryRun") boolean dryRun) {
        if (dryRun) {
            return Response.ok(PlanView.of(restores.previewTearDown(id))).build();
        }
        restores.tearDown(id, confirm);
        var journal = restores.show(id);
        return Response.accepted(RestoreView.of(journal, restores.teardownOf(journal))).build();
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
