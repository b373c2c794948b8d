package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.BackupSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the one session that will hold backup mode (DESIGN.md section 3, rule 1) and records
 * which server it reached. A standby is refused unless the policy allows it: the cluster may have
 * failed over since the request was checked.
 */
final class OpenBackupSession implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(OpenBackupSession.class);
    static final String FROM_STANDBY = "fromStandby";

    @Override
    public String name() {
        return "OpenBackupSession";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "a session named " + run.sessionName() + " to " + run.cluster().spec().postgres().jdbcUrl();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.session().isPresent();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.STARTING_BACKUP_MODE);
        BackupSession session = run.postgres().openBackupSession(run.cluster().spec().postgres(), run.sessionName());
        run.holdSession(session);
        BackupSession.ServerState state = session.inspect();
        run.recordServer(state);
        step.record(FROM_STANDBY, Boolean.toString(state.inRecovery()));
    }

    /**
     * Closes the session this process holds, and ends one that a Shelter killed mid-backup left
     * (PostgreSQL notices a dead client only when it next writes to it, so it may linger).
     */
    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        run.closeSession();
        int ended = run.postgres().terminateSessions(run.cluster().spec().postgres(), run.sessionName());
        if (ended > 0) {
            LOG.warn("ended {} leftover session(s) of backup {}", ended, run.id());
        }
    }
}
