package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.FailurePolicy;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.runbooks.restore.RestoreFacts;

import java.time.Duration;
import java.util.List;

/**
 * The point of no return: every volume of the backup set rolled back to its snapshot. A rollback is
 * idempotent, so a resumed restore rolls back again; it cannot be undone, so a failure from here on
 * stops for a human instead of "rolling back" into a half-restored cluster.
 */
final class RollbackVolumes implements Step<RestoreRun> {

    static final String STARTED_AT = RestoreFacts.VOLUMES_ROLLBACK_STARTED_AT;
    static final String DONE_AT = "volumesRolledBackAt";

    @Override
    public String name() {
        return "RollbackVolumes";
    }

    @Override
    public String target(RestoreRun run, Facts facts) {
        return String.join(", ", run.backup().snapshots().stream().map(s -> s.role() + " " + s.ref()).toList());
    }

    @Override
    public boolean isDone(RestoreRun run, Facts facts) {
        return facts.get(DONE_AT).isPresent();
    }

    @Override
    public void execute(RestoreRun run, StepRun step) {
        List<VolumeSnapshot> snapshots = run.backup().snapshots();
        step.record(STARTED_AT, run.clock().instant().toString());
        for (int i = 0; i < snapshots.size(); i++) {
            run.cluster().snapshotter().rollbackVolume(snapshots.get(i).ref());
            step.progress(i + 1, snapshots.size(), "volumes");
        }
        step.record(DONE_AT, run.clock().instant().toString());
    }

    @Override
    public void undo(RestoreRun run, Facts facts, String reason) {
        if (facts.get(STARTED_AT).isPresent()) {
            throw new IllegalStateException("the volumes of " + run.clusterName() + " were rolled back to backup " + run.backup().id()
                    + " (at least in part); that cannot be undone: finish the restore, or restore another backup");
        }
    }

    /**
     * Idempotent, so tried again before a human is called: a process that writes into the stopped
     * data directory meanwhile (a paused Patroni saves its configuration cache there once, after the
     * pause) fails one attempt, not the restore.
     */
    @Override
    public FailurePolicy onFailure() {
        return FailurePolicy.retry(3, Duration.ofSeconds(2), FailurePolicy.stopAndAlert());
    }
}
