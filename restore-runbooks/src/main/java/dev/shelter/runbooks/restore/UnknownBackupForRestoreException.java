package dev.shelter.runbooks.restore;

/** A restore named a backup that its cluster does not have. */
public final class UnknownBackupForRestoreException extends RestoreRefusedException {

    public UnknownBackupForRestoreException(String message) {
        super(message);
    }
}
