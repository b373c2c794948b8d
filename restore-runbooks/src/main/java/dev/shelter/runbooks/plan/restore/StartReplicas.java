package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;

/** Back to the member count the cluster had; new members are built from the verified primary. */
final class StartReplicas implements Step<RestoreRun> {

    @Override
    public String name() {
        return "StartReplicas";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.clusterName() + ": scale to " + StopCluster.journaledReplicas(facts).map(String::valueOf).orElse("the count it had");
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return run.cluster().control().desiredReplicas() >= StopCluster.journaledReplicas(facts).orElse(1);
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        run.cluster().control().scale(StopCluster.journaledReplicas(step.facts()).orElse(1), StopCluster.SCALE_TIMEOUT);
    }

    @Override
    public Duration timeout() {
        return StopCluster.SCALE_TIMEOUT.plusMinutes(1);
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.stopAndAlert();
    }
}
