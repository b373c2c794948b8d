package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Instant;

/** Starts the server again; the window is from the stop to now, at the shutdown checkpoint. */
final class StartServer implements Step<BackupRun> {

    @Override
    public String name() {
        return "StartServer";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "PostgreSQL of " + run.cluster().name() + " on " + run.cluster().spec().target().kind();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().map(m -> m.window() != null).orElse(false) && StopServer.server(run).isRunning();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.STARTING_SERVER);
        StopServer.server(run).start();
        Lsn checkpoint = Lsn.parse(step.facts().require(ReadShutdownCheckpoint.CHECKPOINT));
        Timeline timeline = new Timeline(Long.parseLong(step.facts().require(ReadShutdownCheckpoint.TIMELINE)));
        run.record(run.requireManifest().withWindow(new BackupModeWindow(checkpoint, checkpoint, timeline, null, null,
                Instant.parse(step.facts().require(StopServer.STOPPED_AT)), run.clock().instant())));
    }
}
