package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.BackupSession;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pg_backup_stop in the same session, without PostgreSQL's own wait for the archive (the next
 * step waits on Shelter's archive instead, outside backup mode). What it returns is kept byte
 * for byte in the manifest (rule 2).
 */
final class EndBackupMode implements Step<BackupRun> {

    private static final Pattern START_TIMELINE = Pattern.compile("^START TIMELINE: (\\d+)$", Pattern.MULTILINE);

    @Override
    public String name() {
        return "EndBackupMode";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "pg_backup_stop(wait_for_archive => false) in " + run.sessionName();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().map(m -> m.window() != null).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.STOPPING_BACKUP_MODE);
        BackupSession session = run.session().orElseThrow(() -> new IllegalStateException("no backup session is open"));
        BackupSession.Stopped stopped = session.end();
        run.catchUp();
        run.closeSession();
        run.record(run.requireManifest().withWindow(new BackupModeWindow(Lsn.parse(step.facts().require(BeginBackupMode.START_LSN)),
                stopped.stopLsn(), timelineOf(stopped.labelFile()), stopped.labelFile(), stopped.tablespaceMap(),
                Instant.parse(step.facts().require(BeginBackupMode.STARTED_AT)), stopped.at())));
    }

    static Timeline timelineOf(String labelFile) {
        Matcher m = START_TIMELINE.matcher(labelFile == null ? "" : labelFile);
        if (!m.find()) {
            throw new IllegalStateException("backup_label has no START TIMELINE line");
        }
        return new Timeline(Long.parseLong(m.group(1)));
    }
}
