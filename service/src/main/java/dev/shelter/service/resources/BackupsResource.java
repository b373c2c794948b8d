package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.service.api.BackupView;
import dev.shelter.service.api.ProtectionOrder;
import dev.shelter.service.api.ScrubOrder;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.DeleteBackup;
import dev.shelter.service.core.ExportBackup;
import dev.shelter.service.core.ScrubBackup;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.ProtectBackup;
import dev.shelter.service.core.ShowBackups;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;


/** One backup, by id: show it, copy it off site, protect it or take its protection off, delete it. */
@Path("/api/v1/backups/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class BackupsResource {

    private final ShowBackups showBackups;
    private final DeleteBackup deleteBackup;
    private final ProtectBackup protectBackup;
    private final ExportBackup exportBackup;
    private final ScrubBackup scrubBackup;

    public BackupsResource(ShowBackups showBackups, DeleteBackup deleteBackup, ProtectBackup protectBackup, ExportBackup exportBackup,
                           ScrubBackup scrubBackup) {
        this.showBackups = showBackups;
        this.deleteBackup = deleteBackup;
        this.protectBackup = protectBackup;
        this.exportBackup = exportBackup;
        this.scrubBackup = scrubBackup;
    }

    /** The backup's state, progress (phase) and manifest. */
    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    public BackupView showBackup(@PathParam("id") String id) {
        BackupManifest backup = showBackups.show(id);
        return BackupView.of(backup, showBackups.progressOf(backup).orElse(null), showBackups.exportProgressOf(backup).orElse(null),
                showBackups.scrubProgressOf(backup).orElse(null), showBackups.offsiteFailureOf(backup).orElse(null));
    }

    /** Deletes the backup's snapshots and its manifest; 409 while it runs or while a restore uses it. */
    @DELETE
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public BackupView deleteBackup(@PathParam("id") String id) {
        return BackupView.of(deleteBackup.delete(id));
    }

    /** Protects a completed backup: retention keeps it, and a delete is refused until the protection is off. Idempotent. */
    @PUT
    @Path("/protection")
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public BackupView protectBackup(@PathParam("id") String id, ProtectionOrder order) {
        if (order == null) {
            throw new InvalidRequestException("send {\"reason\": \"…\"}: why the backup must stay");
        }
        return BackupView.of(protectBackup.protect(id, order.reason()));
    }

    /** Takes the protection off: the backup is retention's to judge, and deletable, again. Idempotent. */
    @DELETE
    @Path("/protection")
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public BackupView unprotectBackup(@PathParam("id") String id) {
        return BackupView.of(protectBackup.unprotect(id));
    }

    /**
     * Copies the backup into the off-site repository: 202 while the copy runs (GET shows its progress
     * under {@code offsite}), 200 when it has its copy already.
     */
    @POST
    @Path("/export")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public Response exportBackup(@PathParam("id") String id) {
        BackupManifest backup = exportBackup.start(id);
        if (backup.offsite() != null) {
            return Response.ok(BackupView.of(backup)).build();
        }
        return Response.accepted(BackupView.of(backup, null, "starting", null, null)).location(URI.create("/api/v1/backups/" + id)).build();
    }

    /**
     * Reads the backup's off-site copy back: {@code sample} % of its chunks (absent: all) checked
     * against their names, the others looked for. 202 while it runs; GET shows the verdict under
     * {@code offsite}: verified, or corrupt with the chunks.
     */
    @POST
    @Path("/scrub")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    public Response scrubBackup(@PathParam("id") String id, ScrubOrder order) {
        BackupManifest backup = scrubBackup.start(id, order == null ? null : order.sample());
        return Response.accepted(BackupView.of(backup, null, null, "starting", null)).location(URI.create("/api/v1/backups/" + id)).build();
    }
}
