package dev.shelter.runbooks.plan.delete;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/**
 * A protected backup is never deleted. Checked again here, with the cluster's run lease held: a
 * replica that protects a backup holds that lease too, so a protection set after the use case's
 * own check is seen before the first snapshot goes.
 */
final class CheckBackupUnprotected implements Step<DeleteRun> {

    @Override
    public String name() {
        return "CheckBackupUnprotected";
    }

    @Override
    public String target(DeleteRun run, Facts facts) {
        return "the protection of backup " + run.id();
    }

    @Override
    public boolean isDone(DeleteRun run, Facts facts) {
        return !run.manifest().hasProtection();
    }

    @Override
    public void execute(DeleteRun run, StepRun step) {
        BackupManifest manifest = run.manifest();
        if (manifest.hasProtection()) {
            throw DeleteBackupPlan.protectedRefusal(manifest);
        }
    }
}
