package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;

/** The HA manager back at work, once the restored cluster has its replicas; a pause the restore did not make stays. */
final class ResumeHa implements Step<RestoreRun> {

    @Override
    public String name() {
        return "ResumeHa";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        if (run.ha().isEmpty()) {
            return run.clusterName() + " has no HA manager";
        }
        return PauseHa.pausedByRestore(facts) || facts.get(PauseHa.PAUSED_BEFORE).isEmpty()
                ? run.clusterName() + ": resume its HA manager" : run.clusterName() + ": its HA manager stays paused, as it was before";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        // Before PauseHa has run (a dry run) there is nothing to judge by: not done.
        return run.ha().isEmpty() || facts.get(PauseHa.PAUSED_BEFORE).isPresent()
                && (!PauseHa.pausedByRestore(facts) || !run.ha().get().isPaused());
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        run.ha().orElseThrow().resume();
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.stopAndAlert();
    }
}
