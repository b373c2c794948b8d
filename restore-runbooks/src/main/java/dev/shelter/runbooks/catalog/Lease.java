package dev.shelter.runbooks.catalog;

import java.time.Instant;
import java.util.Objects;

/**
 * Who holds a named lease, since when, and until when. The times are the lease store's own clock,
 * so replicas whose clocks disagree still agree on who holds it.
 */
public record Lease(String name, String holder, Instant acquiredAt, Instant renewedAt, Instant expiresAt) {

    public Lease {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(acquiredAt, "acquiredAt");
        Objects.requireNonNull(renewedAt, "renewedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean heldBy(String replica) {
        return holder.equals(replica);
    }
}
