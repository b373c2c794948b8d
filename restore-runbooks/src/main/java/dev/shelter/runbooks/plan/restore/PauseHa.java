package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.RestoredMember;

import java.util.Optional;

/**
 * Keeps the HA manager from acting while the servers are stopped, rolled back and recovering: paused,
 * Patroni neither restarts a stopped server nor promotes a replica. The member restored must lead
 * (see {@link RestoredMember}), or nothing is done. Whether it was paused already is
 * journaled first, so that the restore leaves a pause it did not make as it found it. Nothing to do
 * for a cluster without an HA manager.
 */
final class PauseHa implements Step<RestoreRun> {

    static final String PAUSED_BEFORE = "haPausedBefore";

    @Override
    public String name() {
        return "PauseHa";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return run.ha().isPresent() ? run.clusterName() + ": pause its HA manager (no restarts, no failover)"
                : run.clusterName() + " has no HA manager";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return run.ha().isEmpty() || facts.get(PAUSED_BEFORE).isPresent() && run.ha().get().isPaused();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        HaControl ha = run.ha().orElseThrow();
        RestoredMember.requireLeading(ha, run.cluster().spec().postgres(), run.clusterName());
        if (step.facts().get(PAUSED_BEFORE).isEmpty()) {
            step.record(PAUSED_BEFORE, Boolean.toString(ha.isPaused()));
        }
        ha.pause();
    }

    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        if (pausedByRestore(facts)) {
            run.ha().ifPresent(HaControl::resume);
        }
    }

    /** True when this restore made the pause, and so must lift it. */
    static boolean pausedByRestore(Facts facts) {
        return facts.get(PAUSED_BEFORE).equals(Optional.of("false"));
    }
}
