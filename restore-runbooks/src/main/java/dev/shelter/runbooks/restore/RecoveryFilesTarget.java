package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.wal.TimelineHistory;

/**
 * Where a restore writes its recovery files into the rolled-back, stopped PGDATA: in-process for a
 * local cluster ({@link LocalRecoveryFiles}); on Kubernetes a short-lived job mounts the claim.
 */
public interface RecoveryFilesTarget {

    /** Writes them (idempotently) and verifies them as written, byte for byte. */
    void write(BackupManifest backup, String restoreCommand, RestoreTarget target, TimelineHistory along);

    /** Where, for the dry run and the journal. */
    String describe();
}
