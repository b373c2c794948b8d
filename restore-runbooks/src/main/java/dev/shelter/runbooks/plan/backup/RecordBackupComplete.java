package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backup is complete only now: its snapshots exist and its WAL is archived. */
final class RecordBackupComplete implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(RecordBackupComplete.class);

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
        BackupManifest completed = run.requireManifest().completed(run.clock().instant());
        run.record(completed);
        LOG.info("backup {} of {} completed: {} snapshots, {} s in backup mode", completed.id(), run.cluster().name(),
                completed.snapshots().size(), completed.window().duration().toMillis() / 1000.0);
    }
}
