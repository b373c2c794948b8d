package dev.shelter.runbooks.plan.delete;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;
import dev.shelter.runbooks.failure.ConflictException;

import java.util.List;

/**
 * Deleting a backup: a last look at its protection, its snapshots, then its tombstone.
 * Interrupted, it resumes: the snapshots still there are deleted and the tombstone written, as
 * the first run would have.
 */
public final class DeleteBackupPlan {

    public static final String NAME = "delete-backup";

    private DeleteBackupPlan() {
    }

    public static Plan<DeleteRun> create() {
        return new Plan<>(NAME, List.of(new CheckBackupUnprotected(), new DeleteSnapshots(), new RecordBackupDeleted()),
                OnInterrupt.RESUME);
    }

    /** The one wording of the refusal to delete a protected backup, for the use case's check and the plan's. */
    public static ConflictException protectedRefusal(BackupManifest manifest) {
        return new ConflictException("backup " + manifest.id() + " is protected (" + manifest.protection().reason() + ", since "
                + manifest.protection().since() + "): remove its protection first");
    }
}
