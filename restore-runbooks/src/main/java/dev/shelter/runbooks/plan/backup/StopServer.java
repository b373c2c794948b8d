package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;
import java.util.Optional;

/**
 * Stops the cluster through its target: journals how many members it asks for and which claim holds
 * the primary's PGDATA (a stopped cluster has no members to ask), then scales it to zero, which
 * returns once every member is gone and its volumes are released (locally: a fast, clean pg_ctl
 * stop). Rolling back scales it back to the journaled count, whatever else failed.
 */
final class StopServer implements Step<BackupRun> {

    static final String STOPPED_AT = "serverStoppedAt";
    static final String REPLICAS = "replicasBeforeStop";
    static final String PGDATA_CLAIM = "pgdataClaim";
    /** How long one scale may take, down or up: pods stop or start, volumes are released or attached. */
    static final Duration SCALE_TIMEOUT = Duration.ofMinutes(5);

    /** The journaled member count to scale back to; empty until this step has journaled it. */
    static Optional<Integer> journaledReplicas(Facts facts) {
        return facts.get(REPLICAS).map(Integer::parseInt);
    }

    @Override
    public String name() {
        return "StopServer";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        return "PostgreSQL of " + run.cluster().name() + " on " + run.cluster().spec().target().kind() + ": scale to 0"
                + journaledReplicas(facts).map(n -> " (from " + n + ")").orElse("");
    }

    /** Journaled, and the target says nothing runs: asked for 0 and no member left. */
    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        if (journaledReplicas(facts).isEmpty()) {
            return false;
        }
        ClusterControl control = run.cluster().control();
        return control.desiredReplicas() == 0 && control.members().isEmpty();
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.STOPPING_SERVER);
        ClusterControl control = run.cluster().control();
        if (journaledReplicas(step.facts()).isEmpty()) {
            int replicas = control.desiredReplicas();
            if (replicas < 1) {
                throw new IllegalStateException("cluster " + run.cluster().name() + " is already asked to run 0 members: "
                        + "someone else is stopping it; an offline backup stops and starts it itself");
            }
            // What the later steps need and only a running cluster can say, journaled before it stops.
            step.record(PGDATA_CLAIM, run.cluster().volumes().pgdataClaim(run.cluster().spec().volumes()));
            step.record(REPLICAS, Integer.toString(replicas));
        }
        step.record(STOPPED_AT, run.clock().instant().toString());
        control.scale(0, SCALE_TIMEOUT);
    }

    /** Back to the journaled count; nothing to do if the step never journaled it (then it never scaled). */
    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        journaledReplicas(facts).ifPresent(replicas -> run.cluster().control().scale(replicas, SCALE_TIMEOUT));
    }

    @Override
    public Duration timeout() {
        return SCALE_TIMEOUT.plusMinutes(1);
    }
}
