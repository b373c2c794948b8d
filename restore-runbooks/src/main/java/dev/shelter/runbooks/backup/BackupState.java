package dev.shelter.runbooks.backup;

/** A backup's life: running, then completed or failed; a completed one may later be deleted. */
public enum BackupState {
    RUNNING,
    COMPLETED,
    FAILED,
    DELETED;

    public boolean isFinal() {
        return this != RUNNING;
    }
}
