package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;

/** One member, the one that recovers and is promoted; the others follow once it is verified. */
final class StartMember implements Step<RestoreRun> {

    @Override
    public String name() {
        return "StartMember";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.clusterName() + ": scale to 1, into recovery";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return !run.cluster().control().members().isEmpty();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        try {
            run.cluster().control().scale(1, StopCluster.SCALE_TIMEOUT);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + AwaitRecoveryEnd.inPostgresWords(run), e);
        }
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
