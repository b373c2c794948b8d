package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.wal.TimelineHistory;

/**
 * Where a restore writes its recovery files into the rolled-back, stopped PGDATA: in-process for a
 * local cluster ({@code LocalRecoveryFiles}); on Kubernetes a short-lived job mounts the claim.
 */
public interface RecoveryFilesTarget {

    /**
     * Writes them (idempotently) and verifies them as written, byte for byte. Each of
     * {@code settingsAtLeast} (max_connections…) the restored server would run with lower than given,
     * or than the backup's pg_control records, is raised in the recovery settings: lower, PostgreSQL
     * pauses recovery. Returns what was raised, "max_connections 100 -> 150", for the journal.
     */
    java.util.List<String> write(BackupManifest backup, String restoreCommand, RestoreTarget target, TimelineHistory along,
                                 java.util.Map<String, Integer> settingsAtLeast);

    /**
     * Refuses, before anything changes, a backup whose PGDATA snapshot is not of the volume these
     * files are written on: the member that recovers must be the one whose volume is rolled back.
     *
     * @throws RestoreRefusedException saying which volume is which
     */
    default void requireBackupOfThisVolume(BackupManifest backup) {
    }

    /**
     * Before the restored server starts (again): puts back the recovery.signal PostgreSQL removed
     * just before it would have left recovery, if it was stopped in between, so that it recovers to
     * the target again instead of replaying its own WAL past it ({@link RecoveryFiles#rearmCutOffRecovery}).
     * Returns what it did. On Kubernetes nothing yet: reading the claim takes a job.
     */
    default java.util.Optional<String> rearmCutOffRecovery() {
        return java.util.Optional.empty();
    }

    /** Where, for the dry run and the journal. */
    String describe();
}
