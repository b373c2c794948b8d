package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.BackupSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Online: pg_backup_start, a snapshot of every located volume, and pg_backup_stop without
 * PostgreSQL's own wait for the archive, all in the backup session (DESIGN.md section 3, rule 1).
 * One step, so that backup mode holds the snapshots and nothing else: the journal is written
 * before it begins and after it ends, the snapshots' names were journaled when the volumes were
 * located, and the manifest's progress inside it is written behind. What the stop returns is kept
 * byte for byte (rule 2). A kill anywhere inside rolls back: the session dies with Shelter, and
 * PostgreSQL aborts the backup by itself.
 */
final class SnapshotInBackupMode implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotInBackupMode.class);
    private static final Pattern START_TIMELINE = Pattern.compile("^START TIMELINE: (\\d+)$", Pattern.MULTILINE);

    @Override
    public String name() {
        return "SnapshotInBackupMode";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        BackupRequest request = run.requireManifest().request();
        return "pg_backup_start('" + request.label() + "', fast => " + request.fastCheckpoint() + "), snapshots "
                + SnapshotSet.describe(run, facts) + ", pg_backup_stop(wait_for_archive => false), in session " + run.sessionName();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().map(m -> m.window() != null).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        BackupRequest request = run.requireManifest().request();
        BackupSession session = run.session().orElseThrow(() -> new IllegalStateException("no backup session is open"));
        BackupSession.Started started = session.begin(request.label(), request.fastCheckpoint());
        run.writeBehind();
        SnapshotSet.take(run, step);
        run.enter(BackupPhase.STOPPING_BACKUP_MODE);
        BackupSession.Stopped stopped = session.end();
        run.catchUp();
        run.closeSession();
        run.record(run.requireManifest().withWindow(new BackupModeWindow(started.startLsn(), stopped.stopLsn(),
                timelineOf(stopped.labelFile()), stopped.labelFile(), stopped.tablespaceMap(), started.at(), stopped.at())));
    }

    /** The manifest writes still behind land first (the failure is recorded after them); then the snapshots go. */
    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        try {
            run.catchUp();
        } catch (RuntimeException e) {
            LOG.warn("backup {}: a progress write failed while it was rolling back: {}", run.id(), e.getMessage());
        }
        SnapshotSet.deleteJournaled(run, facts, reason);
    }

    static Timeline timelineOf(String labelFile) {
        Matcher m = START_TIMELINE.matcher(labelFile == null ? "" : labelFile);
        if (!m.find()) {
            throw new IllegalStateException("backup_label has no START TIMELINE line");
        }
        return new Timeline(Long.parseLong(m.group(1)));
    }
}
