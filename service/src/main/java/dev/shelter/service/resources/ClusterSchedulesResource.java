package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.ScheduleListView;
import dev.shelter.service.api.ScheduleOrder;
import dev.shelter.service.api.ScheduleView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.ManageSchedules;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/** A cluster's schedules: create one, list them. */
@Path("/api/v1/clusters/{name}/schedules")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterSchedulesResource {

    private final ManageSchedules schedules;

    public ClusterSchedulesResource(ManageSchedules schedules) {
        this.schedules = schedules;
    }

    /** 201 with the schedule and its next fire times. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public Response createSchedule(@PathParam("name") String cluster, ScheduleOrder order) {
        ScheduleView created = SchedulesResource.view(schedules.create(cluster, SchedulesResource.order(order)));
        return Response.created(URI.create("/api/v1/schedules/" + created.id())).entity(created).build();
    }

    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public ScheduleListView listSchedules(@PathParam("name") String cluster) {
        return new ScheduleListView(schedules.list(cluster).stream().map(SchedulesResource::view).toList());
    }
}
