package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.cluster.HaMember;
import dev.shelter.runbooks.cluster.PostgresEndpoint;

import java.util.stream.Collectors;

/**
 * Which member of an HA cluster a restore restores: the one at the cluster's endpoint, whose volumes
 * Shelter rolls back. It must lead when the restore begins (the others are rebuilt from it, so
 * restoring a replica while another member leads would end with the restored data wiped), and it
 * must be the one leading once the HA manager's history is reset.
 */
public final class RestoredMember {

    private RestoredMember() {
    }

    /** @throws RestoreRefusedException when no member listens at {@code endpoint} */
    public static HaMember of(HaControl ha, PostgresEndpoint endpoint, String cluster) {
        return ha.memberAt(endpoint).orElseThrow(() -> new RestoreRefusedException("no member of " + cluster + "'s Patroni ("
                + ha.members().stream().map(m -> m.name() + " at " + m.host() + ":" + m.port()).collect(Collectors.joining(", "))
                + ") listens at " + endpoint.server().orElse(endpoint.jdbcUrl()) + ", where Shelter reaches the cluster: it cannot tell "
                + "which member it restores"));
    }

    /** @throws RestoreRefusedException when that member does not lead now, saying whom to switch over to */
    public static HaMember requireLeading(HaControl ha, PostgresEndpoint endpoint, String cluster) {
        HaMember restored = of(ha, endpoint, cluster);
        HaMember leader = ha.leader();
        if (!leader.name().equals(restored.name())) {
            throw new RestoreRefusedException(cluster + "'s leader is " + leader.name() + ", but Shelter restores the volumes of "
                    + restored.name() + " (at " + restored.host() + ":" + restored.port() + "), and the other members are rebuilt "
                    + "from it: switch over to " + restored.name() + " first");
        }
        return restored;
    }
}
