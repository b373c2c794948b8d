package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.runbooks.catalog.BackupIndex;
import dev.shelter.service.api.BackupListView;
import dev.shelter.service.api.BackupOrder;
import dev.shelter.service.api.BackupView;
import dev.shelter.service.api.PlanView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.ShowBackups;
import dev.shelter.service.core.TakeBackup;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/** A cluster's backups: take one, list them. */
@Path("/api/v1/clusters/{name}/backups")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterBackupsResource {

    private final TakeBackup takeBackup;
    private final ShowBackups showBackups;
    private final KeptBackupJson kept;

    /** {@code listWriter}: the writer of this resource's pages, registered beside it. */
    public ClusterBackupsResource(TakeBackup takeBackup, ShowBackups showBackups, BackupListWriter listWriter) {
        this.takeBackup = takeBackup;
        this.showBackups = showBackups;
        this.kept = listWriter.kept();
    }

    /** Starts a backup; 202 with the running backup, whose progress GET /backups/{id} shows. A dry run is 200 with the plan. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public Response createBackup(@PathParam("name") String cluster, BackupOrder order) {
        BackupOrder effective = order == null ? BackupOrder.DEFAULTS : order;
        if (effective.isDryRun()) {
            return Response.ok(PlanView.of(takeBackup.preview(cluster, order(effective)))).build();
        }
        BackupView started = BackupView.of(takeBackup.start(cluster, order(effective)));
        return Response.accepted(started).location(URI.create("/api/v1/backups/" + started.id())).build();
    }

    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public BackupListView listBackups(@PathParam("name") String cluster, @QueryParam("state") String state,
                                      @QueryParam("offset") @DefaultValue("0") String offsetText,
                                      @QueryParam("limit") @DefaultValue("50") String limitText) {
        int offset = parseCount("offset", offsetText);
        int limit = parseCount("limit", limitText);
        BackupIndex.Page page = showBackups.list(cluster, state, offset, limit);
        return new BackupListView(page.items().stream().map(kept::viewOf).toList(), offset, limit, page.total());
    }

    private static TakeBackup.Order order(BackupOrder order) {
        return new TakeBackup.Order(order.mode(), order.label(), order.fastCheckpoint(), order.confirm());
    }

    /** Query parameters are parsed here: JAX-RS would answer a non-number with 404. */
    private static int parseCount(String name, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be a whole number, not '" + text + "'");
        }
    }
}
