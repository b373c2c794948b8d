package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

import java.time.Duration;

/** A teardown's first step: the new cluster's server stops, cleanly, before its volumes go. */
final class StopNewCluster implements Step<RestoreRun> {

    @Override
    public String name() {
        return "StopNewCluster";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.restored().name() + ": scale to 0";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return run.restored().control().members().isEmpty();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        run.restored().control().scale(0, StopCluster.SCALE_TIMEOUT);
    }

    @Override
    public Duration timeout() {
        return StopCluster.SCALE_TIMEOUT.plusMinutes(1);
    }
}
