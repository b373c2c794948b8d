package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.util.List;

/**
 * The manifest recorded as running (the use case records it too, before the run, so that a caller
 * sees it at once). Undone last in a rollback: the backup is then recorded as failed, saying what
 * the rollback cleaned up and naming any snapshot it could not delete.
 */
final class RecordBackupRunning implements Step<BackupRun> {

    @Override
    public String name() {
        return "RecordBackupRunning";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "the manifest of backup " + run.id();
    }

    /** Always runs (a no-op write when the manifest is there), so that a rollback always reaches its undo. */
    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return false;
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        BackupManifest manifest = run.requireManifest();
        if (manifest.state() != BackupState.RUNNING) {
            throw new IllegalStateException("backup " + run.id() + " is " + manifest.state().name().toLowerCase()
                    + ", not running");
        }
        if (!run.isRecorded()) {
            run.record(manifest);
        }
    }

    /** Records the failure; a snapshot left behind then fails the undo, so the run ends STOPPED and says so. */
    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        List<String> leftBehind = run.leftBehind();
        boolean snapshotsJournaled = !SnapshotSet.journaled(facts).isEmpty();
        run.manifest().filter(m -> m.state() == BackupState.RUNNING).ifPresent(manifest -> {
            // Say "deleted" only of what was: a snapshot that could not be deleted is named, with why.
            String cleanup = !leftBehind.isEmpty()
                    ? "; its snapshots could not all be deleted; delete them by hand: " + String.join("; ", leftBehind)
                    : snapshotsJournaled ? "; its snapshots were deleted" : "";
            run.record(manifest.failed(reason + cleanup, run.clock().instant()));
        });
        if (!leftBehind.isEmpty()) {
            throw new IllegalStateException("snapshots of backup " + run.id() + " are left behind: " + String.join("; ", leftBehind));
        }
    }
}
