package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.cluster.ServerController;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/** A fast, clean shutdown; rolling back starts the server again, whatever else failed. */
final class StopServer implements Step<BackupRun> {

    static final String STOPPED_AT = "serverStoppedAt";

    static ServerController server(BackupRun run) {
        return run.cluster().serverController().orElseThrow(() -> new IllegalStateException(
                "cluster " + run.cluster().name() + " has no way to stop and start PostgreSQL"));
    }

    @Override
    public String name() {
        return "StopServer";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "PostgreSQL of " + run.cluster().name() + " on " + run.cluster().spec().target().kind();
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return facts.get(STOPPED_AT).isPresent() && !server(run).isRunning();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.STOPPING_SERVER);
        step.record(STOPPED_AT, run.clock().instant().toString());
        server(run).stopCleanly();
    }

    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        server(run).start();
    }
}
