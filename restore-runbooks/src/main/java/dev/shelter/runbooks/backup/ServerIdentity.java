package dev.shelter.runbooks.backup;

import java.util.Objects;

/**
 * Which PostgreSQL server a backup came from: its version (server_version_num, e.g. 150018),
 * its system identifier and its WAL segment size.
 */
public record ServerIdentity(int versionNum, SystemIdentifier systemIdentifier, long walSegmentBytes) {

    public ServerIdentity {
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
    }

    public int majorVersion() {
        return versionNum / 10000;
    }
}
