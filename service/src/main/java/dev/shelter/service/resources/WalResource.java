package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.service.api.WalStatusView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.ArchiveWalFile;
import dev.shelter.service.core.FetchWalFile;
import dev.shelter.service.edge.RequestBodies;
import dev.shelter.service.wal.ShowWalStatus;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.InputStream;
import java.util.Map;

/**
 * A cluster's WAL: its status, and the archive endpoint for clusters that archive with
 * archive_command and recover with restore_command through curl (PUT stores a file, GET serves it back).
 */
@Path("/api/v1/clusters/{name}/wal")
public class WalResource {

    /** The largest file taken: 64 MiB covers segments up to that size (PostgreSQL's default is 16 MiB). */
    static final int MAX_BYTES = 64 * 1024 * 1024;

    private final ArchiveWalFile archiveWalFile;
    private final FetchWalFile fetchWalFile;
    private final ShowWalStatus showWalStatus;

    public WalResource(ArchiveWalFile archiveWalFile, FetchWalFile fetchWalFile, ShowWalStatus showWalStatus) {
        this.archiveWalFile = archiveWalFile;
        this.fetchWalFile = fetchWalFile;
        this.showWalStatus = showWalStatus;
    }

    /** The archive's timelines and gaps, the receiver and its lag, and the recoverable window. */
    @GET
    @Timed
    @RolesAllowed(Role.VIEWER_OR_ABOVE)
    @Produces(MediaType.APPLICATION_JSON)
    public WalStatusView status(@PathParam("name") String cluster) {
        return showWalStatus.show(cluster);
    }

    /**
     * 201 when stored, 200 when the same bytes were there already, 409 for other bytes, 400 for a
     * bad name or content, 413 beyond {@link #MAX_BYTES}, 408 or 400 for a body that stalls or breaks off.
     */
    @PUT
    @Path("{file}")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    @Consumes(MediaType.WILDCARD) // curl --data-binary sends a form content type unless told otherwise
    @Produces(MediaType.APPLICATION_JSON)
    public Response archive(@PathParam("name") String cluster, @PathParam("file") String file,
                            @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long declaredLength, InputStream body) {
        byte[] content = readCapped(body, file, declaredLength);
        WalArchive.Stored stored = archiveWalFile.archive(cluster, file, content);
        return Response.status(stored == WalArchive.Stored.NEW ? Response.Status.CREATED : Response.Status.OK)
                .entity(Map.of("file", file, "bytes", content.length,
                        "stored", stored == WalArchive.Stored.NEW ? "new" : "already-present"))
                .build();
    }

    /** The file's bytes; 404 when it is not archived, which restore_command must turn into a non-zero exit. */
    @GET
    @Path("{file}")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    public Response fetch(@PathParam("name") String cluster, @PathParam("file") String file) {
        return Response.ok(fetchWalFile.fetch(cluster, file), MediaType.APPLICATION_OCTET_STREAM_TYPE).build();
    }

    static byte[] readCapped(InputStream body, String file, Long declaredLength) {
        if (declaredLength != null && declaredLength > MAX_BYTES) {
            throw RequestBodies.tooLarge(file, MAX_BYTES);
        }
        byte[] content = RequestBodies.readUpTo(body, MAX_BYTES, file);
        if (content.length > MAX_BYTES) {
            throw RequestBodies.tooLarge(file, MAX_BYTES);
        }
        return content;
    }
}
