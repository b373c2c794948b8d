package dev.shelter.runbooks.plan.delete;

import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/** The tombstone (state deleted, no snapshots) replaces the manifest, in the store as in the index. */
final class RecordBackupDeleted implements Step<DeleteRun> {

    @Override
    public String name() {
        return "RecordBackupDeleted";
    }

    @Override
    public String target(DeleteRun run, Facts facts) {
        return "the manifest of backup " + run.id();
    }

    @Override
    public boolean isDone(DeleteRun run, Facts facts) {
        return run.manifest().state() == BackupState.DELETED;
    }

    @Override
    public void execute(DeleteRun run, StepRun step) {
        run.record(run.manifest().deleted(run.clock().instant()));
    }
}
