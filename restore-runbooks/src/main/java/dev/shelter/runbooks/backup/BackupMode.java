package dev.shelter.runbooks.backup;

/** How the snapshots are made consistent. */
public enum BackupMode {
    /** PostgreSQL keeps running: backup mode held in one session around the snapshots. */
    ONLINE,
    /** PostgreSQL is stopped cleanly, snapshotted and started again. */
    OFFLINE
}
