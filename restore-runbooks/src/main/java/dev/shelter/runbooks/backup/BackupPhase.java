package dev.shelter.runbooks.backup;

/** Where a running backup is, for progress reports; {@link #DONE} once it is no longer running. */
public enum BackupPhase {
    QUEUED,
    RUNNING_PRE_HOOKS,
    STARTING_BACKUP_MODE,
    STOPPING_SERVER,
    SNAPSHOTTING,
    STOPPING_BACKUP_MODE,
    STARTING_SERVER,
    WAITING_FOR_WAL,
    RUNNING_POST_HOOKS,
    DONE
}
