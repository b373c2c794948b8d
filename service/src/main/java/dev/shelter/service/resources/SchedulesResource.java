package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.ScheduleOrder;
import dev.shelter.service.api.ScheduleView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.ManageSchedules;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One schedule: show, change, pause, resume, delete, and its next fire times. */
@Path("/api/v1/schedules/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class SchedulesResource {

    private final ManageSchedules schedules;

    public SchedulesResource(ManageSchedules schedules) {
        this.schedules = schedules;
    }

    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public ScheduleView showSchedule(@PathParam("id") String id) {
        return view(schedules.show(id));
    }

    /** Changes what the body gives; the rest stays. */
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public ScheduleView changeSchedule(@PathParam("id") String id, ScheduleOrder order) {
        return view(schedules.replace(id, order(order)));
    }

    @DELETE
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public Response deleteSchedule(@PathParam("id") String id) {
        schedules.delete(id);
        return Response.noContent().build();
    }

    /** Idempotent: a paused schedule stays paused. */
    @POST
    @Path("pause")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public ScheduleView pauseSchedule(@PathParam("id") String id) {
        return view(schedules.pause(id));
    }

    /** Idempotent; the fire times missed while paused do not run. */
    @POST
    @Path("resume")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public ScheduleView resumeSchedule(@PathParam("id") String id) {
        return view(schedules.resume(id));
    }

    @GET
    @Path("next")
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public Map<String, List<Instant>> nextFireTimes(@PathParam("id") String id, @QueryParam("count") @DefaultValue("5") String count) {
        int parsed;
        try {
            parsed = Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("count must be a whole number, not '" + count + "'");
        }
        return Map.of("nextFireTimes", schedules.next(id, parsed));
    }

    static ScheduleView view(ManageSchedules.Shown shown) {
        return ScheduleView.of(shown.schedule(), shown.nextFireTimes(), shown.recentFires());
    }

    static ManageSchedules.Order order(ScheduleOrder order) {
        ScheduleOrder given = order == null ? ScheduleOrder.EMPTY : order;
        return new ManageSchedules.Order(given.kind(), given.cron(), given.timeZone(), given.misfireGraceSeconds(), given.paused(),
                given.mode(), given.label(), given.confirm(), given.slices());
    }
}
