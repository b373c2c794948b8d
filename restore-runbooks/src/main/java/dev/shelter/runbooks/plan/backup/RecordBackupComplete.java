package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/** The backup is complete only now: its snapshots exist and its WAL is archived. */
final class RecordBackupComplete implements Step<BackupRun> {

    @Override
    public String name() {
        return "RecordBackupComplete";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "the manifest of backup " + run.id();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().map(m -> m.state() == BackupState.COMPLETED).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.record(run.requireManifest().completed(run.clock().instant()));
    }
}
