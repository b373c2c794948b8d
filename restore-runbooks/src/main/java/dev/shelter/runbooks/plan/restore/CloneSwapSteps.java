package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.restore.RestoreFacts;
import dev.shelter.runbooks.restore.VolumeSwap;

import java.util.List;

/** What the clone-and-swap steps share: the swaps of this restore, named by its journaled tag. */
final class CloneSwapSteps {

    private CloneSwapSteps() {
    }

    static List<VolumeSwap.Swap> swaps(RestoreRun run, Facts facts) {
        return run.requireCloneSwap().volumes().swapsFor(run.backup(), facts.require(RestoreFacts.CLONE_TAG));
    }
}
