package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.OffsiteGarbageView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.CollectOffsiteGarbage;
import dev.shelter.service.core.InvalidRequestException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** The off-site repository's garbage collection: what it would remove (dry run), or removing it (admin, confirmed). */
@Path("/api/v1/offsite/garbage:collect")
@Produces(MediaType.APPLICATION_JSON)
public class OffsiteResource {

    static final String CONFIRM = "offsite";

    private final CollectOffsiteGarbage collect;

    public OffsiteResource(CollectOffsiteGarbage collect) {
        this.collect = collect;
    }

    @POST
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public OffsiteGarbageView collect(@QueryParam("dryRun") @DefaultValue("false") String dryRun, @QueryParam("confirm") String confirm) {
        boolean preview = switch (dryRun) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidRequestException("dryRun must be true or false, not '" + dryRun + "'");
        };
        if (!preview && !CONFIRM.equals(confirm)) {
            throw new InvalidRequestException("this removes the copies of deleted backups and the chunks no copy has needed for "
                    + collect.grace().toHours() + " h: to go ahead, send confirm=" + CONFIRM + " (or dryRun=true to see what it would remove)");
        }
        return OffsiteGarbageView.of(collect.collect(preview), collect.grace().toSeconds());
    }
}
