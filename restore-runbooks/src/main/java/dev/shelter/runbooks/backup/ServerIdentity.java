package dev.shelter.runbooks.backup;

import java.util.Objects;

/**
 * Which PostgreSQL server a backup came from: its version (server_version_num, e.g. 150018),
 * its system identifier (decimal, as pg_control_system() shows it) and its WAL segment size.
 */
public record ServerIdentity(int versionNum, String systemIdentifier, long walSegmentBytes) {

    public ServerIdentity {
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
        if (!systemIdentifier.matches("\\d{1,20}")) {
            throw new IllegalArgumentException("'" + systemIdentifier + "' is not a system identifier");
        }
    }

    public int majorVersion() {
        return versionNum / 10000;
    }
}
