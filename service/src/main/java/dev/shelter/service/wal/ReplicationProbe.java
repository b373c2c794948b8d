package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.Lsn;

import java.time.Duration;
import java.util.Optional;

/** The port through which Shelter asks the server how far behind its receiver and slot are. */
public interface ReplicationProbe {

    /**
     * What the server says: its WAL position, and for the slot where it retains WAL from, whether a
     * receiver is attached, what that receiver confirmed, and the server's own measure of how long
     * confirming takes (PostgreSQL's flush_lag; empty when caught up).
     */
    record Sample(Lsn serverPosition, Optional<Lsn> slotRetainsFrom, boolean slotActive, Optional<Lsn> confirmed,
                  Optional<Duration> flushLag) {
    }

    Sample sample(String slot);
}
