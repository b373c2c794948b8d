package dev.shelter.runbooks.catalog;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Leases of local mode, where one process is the only replica: held in memory, judged by the given clock. */
public final class InMemoryLeases implements Leases {

    private final Clock clock;
    private final Map<String, Lease> leases = new HashMap<>();

    public InMemoryLeases(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Lease acquireOrRenew(String name, String replica, Duration ttl) {
        Instant now = clock.instant();
        Lease current = leases.get(name);
        if (current != null && !current.heldBy(replica) && current.expiresAt().isAfter(now)) {
            return current;
        }
        Instant acquiredAt = current != null && current.heldBy(replica) ? current.acquiredAt() : now;
        Lease renewed = new Lease(name, replica, acquiredAt, now, now.plus(ttl));
        leases.put(name, renewed);
        return renewed;
    }

    @Override
    public synchronized void release(String name, String replica) {
        leases.computeIfPresent(name, (key, lease) -> lease.heldBy(replica) ? null : lease);
    }

    @Override
    public synchronized Optional<Lease> read(String name) {
        return Optional.ofNullable(leases.get(name));
    }
}
