package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/** A teardown removes the new cluster's volumes, a clone cut short by a crash included. */
final class RemoveNewCluster implements Step<RestoreRun> {

    @Override
    public String name() {
        return "RemoveNewCluster";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.requireNewCluster().placement().describe();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return !run.requireNewCluster().placement().exists();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        run.requireNewCluster().placement().remove();
    }
}
