package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;

import java.util.Objects;

/**
 * What a PostgreSQL server says about itself. {@code walLsn} is the current insert position on a
 * primary and the last replayed position on a standby (null on a standby that has replayed nothing yet).
 */
public record ServerFacts(String serverVersion, int majorVersion, boolean inRecovery, SystemIdentifier systemIdentifier,
                          Timeline timeline, Lsn walLsn) {

    public ServerFacts {
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
        Objects.requireNonNull(timeline, "timeline");
    }
}
