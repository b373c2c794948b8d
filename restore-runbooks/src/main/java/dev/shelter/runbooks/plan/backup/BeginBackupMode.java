package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.BackupSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** pg_backup_start in the backup session; its start LSN and time are journaled for the window. */
final class BeginBackupMode implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(BeginBackupMode.class);

    static final String START_LSN = "startLsn";
    static final String STARTED_AT = "backupModeStartedAt";

    @Override
    public String name() {
        return "BeginBackupMode";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        BackupRequest request = run.requireManifest().request();
        return "pg_backup_start('" + request.label() + "', fast => " + request.fastCheckpoint() + ") in " + run.sessionName();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.session().isPresent() && facts.get(START_LSN).isPresent();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        BackupRequest request = run.requireManifest().request();
        BackupSession session = run.session().orElseThrow(() -> new IllegalStateException("no backup session is open"));
        BackupSession.Started started = session.begin(request.label(), request.fastCheckpoint());
        step.record(START_LSN, started.startLsn().toString());
        step.record(STARTED_AT, started.at().toString());
        run.writeBehind();
    }

    /** The manifest writes still behind land before the rollback records the failure after them. */
    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        try {
            run.catchUp();
        } catch (RuntimeException e) {
            LOG.warn("backup {}: a progress write failed while it was rolling back: {}", run.id(), e.getMessage());
        }
    }
}
