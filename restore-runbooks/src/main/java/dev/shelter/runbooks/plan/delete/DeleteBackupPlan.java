package dev.shelter.runbooks.plan.delete;

import dev.shelter.runbooks.engine.OnInterrupt;
import dev.shelter.runbooks.engine.Plan;

import java.util.List;

/**
 * Deleting a backup: its snapshots, then its tombstone. Interrupted, it resumes: the snapshots
 * still there are deleted and the tombstone written, as the first run would have.
 */
public final class DeleteBackupPlan {

    public static final String NAME = "delete-backup";

    private DeleteBackupPlan() {
    }

    public static Plan<DeleteRun> create() {
        return new Plan<>(NAME, List.of(new DeleteSnapshots(), new RecordBackupDeleted()), OnInterrupt.RESUME);
    }
}
