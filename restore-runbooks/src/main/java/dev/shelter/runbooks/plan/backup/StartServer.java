package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Scales the cluster back to the members it had, journaled by {@link StopServer}, and waits until
 * they are ready; the window is from the stop to now, at the shutdown checkpoint.
 */
final class StartServer implements Step<BackupRun> {

    @Override
    public String name() {
        return "StartServer";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "PostgreSQL of " + run.cluster().name() + " on " + run.cluster().spec().target().kind() + ": scale to "
                + StopServer.journaledReplicas(facts).map(String::valueOf).orElse("the members it had");
    }

    /** The window recorded, and the target runs the journaled count of members, all ready. */
    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        if (!run.manifest().map(m -> m.window() != null).orElse(false)) {
            return false;
        }
        int replicas = replicas(facts);
        List<Member> members = run.cluster().control().members();
        return run.cluster().control().desiredReplicas() == replicas && members.size() == replicas
                && members.stream().allMatch(Member::ready);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.STARTING_SERVER);
        run.cluster().control().scale(replicas(step.facts()), StopServer.SCALE_TIMEOUT);
        Lsn checkpoint = Lsn.parse(step.facts().require(ReadShutdownCheckpoint.CHECKPOINT));
        Timeline timeline = new Timeline(Long.parseLong(step.facts().require(ReadShutdownCheckpoint.TIMELINE)));
        run.record(run.requireManifest().withWindow(new BackupModeWindow(checkpoint, checkpoint, timeline, null, null,
                Instant.parse(step.facts().require(StopServer.STOPPED_AT)), run.clock().instant())));
    }

    @Override
    public Duration timeout() {
        return StopServer.SCALE_TIMEOUT.plusMinutes(1);
    }

    private static int replicas(Facts facts) {
        return StopServer.journaledReplicas(facts)
                .orElseThrow(() -> new IllegalStateException("the run has no journaled member count to scale back to"));
    }
}
