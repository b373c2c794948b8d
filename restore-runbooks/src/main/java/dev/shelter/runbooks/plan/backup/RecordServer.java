package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.BackupSession;

/** Which server is about to be stopped, asked while it runs; a standby is refused unless allowed. */
final class RecordServer implements Step<BackupRun> {

    @Override
    public String name() {
        return "RecordServer";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return run.cluster().spec().postgres().jdbcUrl();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().map(m -> m.server() != null).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        try (BackupSession session = run.postgres().openBackupSession(run.cluster().spec().postgres(), run.sessionName())) {
            run.recordServer(session.inspect());
        }
    }
}
