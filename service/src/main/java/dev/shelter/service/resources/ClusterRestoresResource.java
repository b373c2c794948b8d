package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.RestoreListView;
import dev.shelter.service.api.RestoreOrder;
import dev.shelter.service.api.RestorePreviewView;
import dev.shelter.service.api.RestoreView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.NewClusters;
import dev.shelter.service.core.RestoreCluster;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/** A cluster's restores: start one (admin), list them. */
@Path("/api/v1/clusters/{name}/restores")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterRestoresResource {

    private final RestoreCluster restores;

    public ClusterRestoresResource(RestoreCluster restores) {
        this.restores = restores;
    }

    /** 202 with the restore and its Location; a dry run is 200 with the chosen backup, the checks and the steps. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public Response createRestore(@Context SecurityContext security, @PathParam("name") String cluster, RestoreOrder body) {
        RestoreOrder order = body == null ? RestoreOrder.NONE : body;
        if (order.isDryRun()) {
            RestoreCluster.Preview preview = restores.preview(cluster, order(order));
            var run = preview.prepared().context();
            return Response.ok(RestorePreviewView.of(run.clusterName(), run.backup(), run.target(), run.timeline(),
                    preview.prepared().findings(), preview.prepared().strategy(), preview.plan())).build();
        }
        RestoreView started = RestoreView.of(restores.start(cluster, order(order), security.getUserPrincipal().getName()));
        return Response.accepted(started).location(URI.create("/api/v1/restores/" + started.id())).build();
    }

    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public RestoreListView listRestores(@PathParam("name") String cluster) {
        return new RestoreListView(restores.list(cluster).stream().map(listed -> RestoreView.of(listed.restore(), listed.teardown())).toList());
    }

    private static RestoreCluster.Order order(RestoreOrder order) {
        RestoreOrder.Target t = order.target();
        RestoreCluster.TargetOrder target = t == null ? null : new RestoreCluster.TargetOrder(t.time(), t.lsn(), t.xid(), t.name(),
                t.inclusive(), t.immediate(), t.latest(), t.timeline());
        RestoreOrder.NewCluster n = order.newCluster();
        return new RestoreCluster.Order(order.backupId(), target, order.strategy(), order.confirm(),
                n == null ? null : new NewClusters.Order(n.dataDirectory(), n.port(), n.host(), n.namespace(), n.name()));
    }
}
