package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.ClusterListView;
import dev.shelter.service.api.ClusterView;
import dev.shelter.service.api.InspectionRequest;
import dev.shelter.service.api.InspectionView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.ClusterRegistry;
import dev.shelter.service.core.InspectCluster;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Duration;

/** The configured clusters. */
@Path("/api/v1/clusters")
@Produces(MediaType.APPLICATION_JSON)
public class ClustersResource {

    private final ClusterRegistry clusters;
    private final InspectCluster inspectCluster;

    public ClustersResource(ClusterRegistry clusters, InspectCluster inspectCluster) {
        this.clusters = clusters;
        this.inspectCluster = inspectCluster;
    }

    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public ClusterListView listClusters() {
        return new ClusterListView(clusters.specs().stream().map(ClusterView::of).toList());
    }

    @GET
    @Path("/{name}")
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public ClusterView showCluster(@PathParam("name") String name) {
        return ClusterView.of(clusters.requireSpec(name));
    }

    /** Connects to the cluster's PostgreSQL now and reports what it is. */
    @POST
    @Path("/{name}/inspection")
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public InspectionView inspectCluster(@PathParam("name") String name, @Valid InspectionRequest request) {
        InspectionRequest effective = request == null ? new InspectionRequest(null) : request;
        return InspectionView.of(name, inspectCluster.inspect(name, Duration.ofSeconds(effective.timeoutSecondsOrDefault())));
    }
}
