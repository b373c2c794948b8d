package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.ArchiveWalFile;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
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

/** The archive endpoint of a new cluster a restore made: its archive_command PUTs here, into its own archive. */
@Path("/api/v1/clusters/{name}/new-clusters/{newCluster}/wal")
public class NewClusterWalResource {

    private final ArchiveWalFile archiveWalFile;

    public NewClusterWalResource(ArchiveWalFile archiveWalFile) {
        this.archiveWalFile = archiveWalFile;
    }

    /** As PUT /clusters/{name}/wal/{file}: 201 stored, 200 the same bytes were there, 409 other bytes; 404 for no such new cluster. */
    @PUT
    @Path("{file}")
    @Timed
    @RolesAllowed(Role.OPERATOR_OR_ABOVE)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response archive(@PathParam("name") String source, @PathParam("newCluster") String newCluster, @PathParam("file") String file,
                            @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long declaredLength, InputStream body) {
        byte[] content = WalResource.readCapped(body, file, declaredLength);
        WalArchive.Stored stored = archiveWalFile.archiveIntoNewCluster(source, newCluster, file, content);
        return Response.status(stored == WalArchive.Stored.NEW ? Response.Status.CREATED : Response.Status.OK)
                .entity(Map.of("file", file, "bytes", content.length,
                        "stored", stored == WalArchive.Stored.NEW ? "new" : "already-present"))
                .build();
    }
}
