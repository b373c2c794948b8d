package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.cluster.ServerController;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/**
 * pg_control of the stopped server: it must say "shut down", and belong to the system the
 * connection reached (else the configured data directory is another cluster's).
 */
final class ReadShutdownCheckpoint implements Step<BackupRun> {

    static final String CHECKPOINT = "shutdownCheckpoint";
    static final String TIMELINE = "shutdownTimeline";

    @Override
    public String name() {
        return "ReadShutdownCheckpoint";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "pg_control of " + run.cluster().name();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return facts.get(CHECKPOINT).isPresent();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        ServerController.ShutdownCheckpoint checkpoint = StopServer.server(run).readShutdownCheckpoint();
        SystemIdentifier expected = run.requireManifest().server().systemIdentifier();
        if (!checkpoint.systemIdentifier().equals(expected)) {
            throw new IllegalStateException("the data directory belongs to system " + checkpoint.systemIdentifier()
                    + ", but the configured connection reached system " + expected);
        }
        step.record(CHECKPOINT, checkpoint.checkpoint().toString());
        step.record(TIMELINE, Long.toString(checkpoint.timeline().id()));
    }
}
