package dev.shelter.runbooks.catalog;

import java.time.Duration;
import java.util.Optional;

/**
 * Named leases shared by Shelter's replicas: at most one replica holds a lease at a time, and a
 * lease its holder stops renewing passes to another once it expires. Expiry is judged by the
 * store's clock, never by a replica's.
 */
public interface Leases {

    /**
     * Takes the lease for {@code replica} when nobody holds it or its holder let it expire, or
     * renews it for {@code ttl} when {@code replica} holds it already; atomic across replicas.
     *
     * @return the lease as it stands afterwards: held by {@code replica}, or by the replica that has it
     */
    Lease acquireOrRenew(String name, String replica, Duration ttl);

    /** Gives the lease up at once if {@code replica} holds it, so that another takes it without waiting for expiry. */
    void release(String name, String replica);

    /** The lease as it stands, expired or not; empty if nobody ever took it or it was released. */
    Optional<Lease> read(String name);
}
