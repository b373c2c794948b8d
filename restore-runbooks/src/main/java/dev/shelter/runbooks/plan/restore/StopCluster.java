package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;
import java.util.Optional;

/**
 * Scales the cluster to zero and waits until every member is gone and its volumes are released
 * (RBD refuses a rollback while a client holds the image). The member count is journaled first, so
 * the restore scales back to it, and a rollback of the plan before the volumes change restarts the cluster.
 */
final class StopCluster implements Step<RestoreRun> {

    static final String REPLICAS = "replicasBeforeRestore";
    static final Duration SCALE_TIMEOUT = Duration.ofMinutes(5);

    static Optional<Integer> journaledReplicas(Facts facts) {
        return facts.get(REPLICAS).map(Integer::parseInt);
    }

    @Override
    public String name() {
        return "StopCluster";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.clusterName() + " on " + run.cluster().spec().target().kind() + ": scale to 0"
                + journaledReplicas(facts).map(n -> " (from " + n + ")").orElse("");
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        ClusterControl control = run.cluster().control();
        return journaledReplicas(facts).isPresent() && control.desiredReplicas() == 0 && control.members().isEmpty();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        ClusterControl control = run.cluster().control();
        if (journaledReplicas(step.facts()).isEmpty()) {
            step.record(REPLICAS, Integer.toString(Math.max(1, control.desiredReplicas())));
        }
        control.scale(0, SCALE_TIMEOUT);
    }

    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        journaledReplicas(facts).ifPresent(replicas -> run.cluster().control().scale(replicas, SCALE_TIMEOUT));
    }

    @Override
    public Duration timeout() {
        return SCALE_TIMEOUT.plusMinutes(1);
    }
}
