package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Clones the backup's snapshots into the new cluster's volumes; the source runs on, untouched. A
 * clone protects its snapshot, so whether each was protected before is journaled first; once the
 * clones stand on their own, the snapshots are left as they were found, and the backup can be
 * deleted later whatever became of the new cluster.
 */
final class CloneIntoNewCluster implements Step<RestoreRun> {

    static final String CLONED_AT = "newClusterClonedAt";
    static final String PROTECTED_BEFORE = "newClusterSnapshotProtectedBefore.";

    @Override
    public String name() {
        return "CloneIntoNewCluster";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return String.join(", ", run.backup().snapshots().stream().map(s -> s.ref().toString()).toList()) + " -> "
                + run.requireNewCluster().placement().describe();
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(CLONED_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        VolumeSnapshotter snapshotter = run.cluster().snapshotter();
        List<VolumeSnapshot> snapshots = run.backup().snapshots();
        for (int i = 0; i < snapshots.size(); i++) {
            if (step.facts().get(PROTECTED_BEFORE + i).isEmpty()) {
                step.record(PROTECTED_BEFORE + i, Boolean.toString(snapshotter.isProtected(snapshots.get(i).ref())));
            }
        }
        run.requireNewCluster().placement().cloneFrom(run.backup());
        run.requireNewCluster().placement().detachFrom(run.backup());
        releaseSnapshots(run, step.facts());
        step.progress(snapshots.size(), snapshots.size(), "volumes");
        step.record(CLONED_AT, run.clock().instant().toString());
    }

    /** The new cluster's volumes go (its server is stopped by then: StartMember's undo), and the snapshots are left as found. */
    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        run.requireNewCluster().placement().remove();
        releaseSnapshots(run, facts);
    }

    /** A clone large enough to copy rather than reflink takes time. */
    @Override
    public Duration timeout() {
        return Duration.ofMinutes(30);
    }

    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.rollBack();
    }

    private static void releaseSnapshots(RestoreRun run, Facts facts) {
        List<VolumeSnapshot> snapshots = run.backup().snapshots();
        for (int i = 0; i < snapshots.size(); i++) {
            if (facts.get(PROTECTED_BEFORE + i).equals(Optional.of("false")) && run.cluster().snapshotter().isProtected(snapshots.get(i).ref())) {
                run.cluster().snapshotter().unprotectSnapshot(snapshots.get(i).ref());
            }
        }
    }
}
