package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.BackupSession;

/** pg_backup_start in the backup session; its start LSN and time are journaled for the window. */
final class BeginBackupMode implements Step<BackupRun> {

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
    }
}
