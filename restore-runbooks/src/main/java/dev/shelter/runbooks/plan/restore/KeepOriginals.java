package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.RestoreFacts;
import dev.shelter.runbooks.restore.VolumeSwap;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The restore is verified, so it commits: the originals, still aside and untouched, are kept for
 * the configured time (listed in the restore's result) and removed after it; the clones are made
 * independent of the backup's snapshots, which are released as the clone step found them. From
 * here on the originals are never swapped back.
 */
final class KeepOriginals implements Step<RestoreRun> {

    static final String KEPT_UNTIL = RestoreFacts.ORIGINALS_KEPT_UNTIL;

    @Override
    public String name() {
        return "KeepOriginals";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        Duration keep = run.requireCloneSwap().keepOriginals();
        return "keep " + String.join(", ", CloneSwapSteps.swaps(run, facts).stream().map(VolumeSwap.Swap::original).toList())
                + " for " + keep.toString().substring(2).toLowerCase() + ", then remove them";
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(KEPT_UNTIL).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        Instant until = run.clock().instant().plus(run.requireCloneSwap().keepOriginals());
        String tag = step.facts().require(RestoreFacts.CLONE_TAG);
        List<VolumeSwap.Swap> swaps = CloneSwapSteps.swaps(run, step.facts());
        for (int i = 0; i < swaps.size(); i++) {
            VolumeSwap.Swap swap = swaps.get(i);
            volumes.keepOriginal(swap, tag, until);
            volumes.detachClone(swap);
            CloneSnapshots.releaseSnapshot(run, step.facts(), i, swap);
            step.record(RestoreFacts.KEPT_ORIGINAL + i, swap.original());
        }
        step.record(KEPT_UNTIL, until.toString());
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.retry(3, Duration.ofSeconds(2), FailurePolicy.rollBack());
    }
}
