package dev.shelter.service.resources;

import com.codahale.metrics.annotation.Timed;
import dev.shelter.service.api.RetentionSweepView;
import dev.shelter.service.auth.Role;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.SweepRetention;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** A cluster's retention sweep: what its policy would delete (dry run), or deleting it (admin, confirmed). */
@Path("/api/v1/clusters/{name}/retention:sweep")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterRetentionResource {

    private final SweepRetention sweepRetention;

    public ClusterRetentionResource(SweepRetention sweepRetention) {
        this.sweepRetention = sweepRetention;
    }

    @POST
    @Timed
    @RolesAllowed(Role.ADMIN_ONLY)
    public RetentionSweepView sweep(@PathParam("name") String cluster, @QueryParam("dryRun") @DefaultValue("false") String dryRun,
                                    @QueryParam("confirm") String confirm) {
        SweepRetention.Outcome outcome = switch (dryRun) {
            case "true" -> sweepRetention.preview(cluster);
            case "false" -> sweepRetention.sweep(cluster, confirm);
            default -> throw new InvalidRequestException("dryRun must be true or false, not '" + dryRun + "'");
        };
        SweepRetention.WalRemoval wal = outcome.wal();
        return RetentionSweepView.of(cluster, outcome.policy(), outcome.dryRun(), outcome.decision(), outcome.running(), outcome.deleted(),
                outcome.refused(), outcome.warnings(), new RetentionSweepView.WalView(wal.system().orElse(null),
                        wal.keptFrom().map(Object::toString).orElse(null), wal.pruned().files(), wal.pruned().bytes(),
                        wal.pruned().first().orElse(null), wal.pruned().last().orElse(null), wal.note().orElse(null)));
    }
}
