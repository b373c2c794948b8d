package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/** Offline: a snapshot of every located volume of the stopped cluster, or none (see {@link SnapshotSet}). */
final class CreateSnapshots implements Step<BackupRun> {

    @Override
    public String name() {
        return "CreateSnapshots";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return SnapshotSet.describe(run, facts);
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return SnapshotSet.isTaken(run);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        SnapshotSet.take(run, step);
    }

    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        SnapshotSet.deleteJournaled(run, facts, reason);
    }
}
