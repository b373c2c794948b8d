package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.postgres.ControlFile;

import java.time.Duration;

/**
 * pg_control of the stopped primary, read through the target (in-process locally, a volume job on
 * Kubernetes) by the one reader: it must say "shut down" (a clean shutdown, so the snapshots need
 * no WAL), and belong to the system the connection reached (else the volume is another cluster's).
 */
final class ReadShutdownCheckpoint implements Step<BackupRun> {

    static final String CHECKPOINT = "shutdownCheckpoint";
    static final String TIMELINE = "shutdownTimeline";
    /** A volume job may have to pull its image first. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

    @Override
    public String name() {
        return "ReadShutdownCheckpoint";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "pg_control of " + run.cluster().name() + facts.get(StopServer.PGDATA_CLAIM).map(c -> " on " + c).orElse("");
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return facts.get(CHECKPOINT).isPresent();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        String claim = step.facts().require(StopServer.PGDATA_CLAIM);
        ControlFile control = run.cluster().control().readControlFile(claim, READ_TIMEOUT);
        SystemIdentifier expected = run.requireManifest().server().systemIdentifier();
        if (!control.systemIdentifierText().equals(expected.toString())) {
            throw new IllegalStateException("the pgdata volume " + claim + " belongs to system " + control.systemIdentifierText()
                    + ", but the configured connection reached system " + expected);
        }
        if (!control.isCleanlyShutDown()) {
            throw new IllegalStateException("PostgreSQL on " + claim + " is '" + control.state() + "', not cleanly shut down: "
                    + "its snapshot would need WAL to start");
        }
        step.record(CHECKPOINT, control.checkpoint().toString());
        step.record(TIMELINE, Long.toString(control.timeline().id()));
    }

    @Override
    public Duration timeout() {
        return READ_TIMEOUT.plusMinutes(1);
    }
}
