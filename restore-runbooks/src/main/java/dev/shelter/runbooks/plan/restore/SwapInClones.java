package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.VolumeSwap;

import java.util.List;

/**
 * With the cluster stopped: each clone in place of its volume, each original set aside, untouched.
 * Unlike a rollback this can be undone, which is what a failed verification does: the originals go
 * back, and the cluster starts as it was.
 */
final class SwapInClones implements Step<RestoreRun> {

    static final String SWAPPED_AT = "clonesSwappedInAt";

    @Override
    public String name() {
        return "SwapInClones";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return String.join(", ", CloneSwapSteps.swaps(run, facts).stream().map(VolumeSwap.Swap::toString).toList());
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(SWAPPED_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        if (!run.cluster().control().members().isEmpty()) {
            throw new IllegalStateException("cluster " + run.clusterName() + " runs again; its volumes are swapped only while it is stopped");
        }
        List<VolumeSwap.Swap> swaps = CloneSwapSteps.swaps(run, step.facts());
        for (int i = 0; i < swaps.size(); i++) {
            volumes.swapIn(swaps.get(i));
            step.progress(i + 1, swaps.size(), "volumes");
        }
        step.record(SWAPPED_AT, run.clock().instant().toString());
    }

    /** Every original back in place, in whatever state a crash left the swap of each. */
    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        for (VolumeSwap.Swap swap : CloneSwapSteps.swaps(run, facts)) {
            volumes.swapBack(swap);
        }
    }
}
