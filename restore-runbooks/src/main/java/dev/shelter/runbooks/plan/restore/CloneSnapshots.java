package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.util.List;

/**
 * Clones every snapshot of the backup set into a new volume, while the cluster still runs: nothing
 * it uses is touched. Whether each snapshot was protected before is journaled first (a clone
 * protects its snapshot), so the undo and the commit leave it as they found it. A clone that exists
 * is complete (the adapters make it under another name and rename it, or in one call), so a resumed
 * step only makes the missing ones.
 */
final class CloneSnapshots implements Step<RestoreRun> {

    static final String CLONED_AT = "snapshotsClonedAt";
    static final String PROTECTED_BEFORE = "snapshotProtectedBefore.";

    @Override
    public String name() {
        return "CloneSnapshots";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return String.join(", ", CloneSwapSteps.swaps(run, facts).stream().map(s -> s.snapshot().ref() + " -> " + s.cloneVolume()).toList());
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(CLONED_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        VolumeSnapshotter snapshotter = run.cluster().snapshotter();
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        List<VolumeSwap.Swap> swaps = CloneSwapSteps.swaps(run, step.facts());
        for (int i = 0; i < swaps.size(); i++) {
            VolumeSwap.Swap swap = swaps.get(i);
            SnapshotRef snapshot = swap.snapshot().ref();
            if (step.facts().get(PROTECTED_BEFORE + i).isEmpty()) {
                step.record(PROTECTED_BEFORE + i, Boolean.toString(snapshotter.isProtected(snapshot)));
            }
            step.checkCancelled(); // a clone of a large volume may take a while
            if (!volumes.cloneExists(swap)) {
                snapshotter.cloneSnapshot(snapshot, swap.cloneVolume());
            }
            step.progress(i + 1, swaps.size(), "volumes");
        }
        step.record(CLONED_AT, run.clock().instant().toString());
    }

    /** The clones go, and each snapshot is protected again only if it was before. */
    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        VolumeSwap volumes = run.requireCloneSwap().volumes();
        List<VolumeSwap.Swap> swaps = CloneSwapSteps.swaps(run, facts);
        for (int i = 0; i < swaps.size(); i++) {
            volumes.discardClone(swaps.get(i));
            releaseSnapshot(run, facts, i, swaps.get(i));
        }
    }

    /** Unprotects the snapshot if this restore's clone protected it. */
    static void releaseSnapshot(RestoreRun run, Facts facts, int index, VolumeSwap.Swap swap) {
        if (facts.get(PROTECTED_BEFORE + index).equals(java.util.Optional.of("false"))) {
            run.cluster().snapshotter().unprotectSnapshot(swap.snapshot().ref());
        }
    }
}
