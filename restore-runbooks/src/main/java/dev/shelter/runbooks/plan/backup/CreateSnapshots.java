package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Step;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot of every located volume, or none: a missing volume fails the backup. Each
 * snapshot's name is journaled before it is taken, so a rollback, even after a kill -9, deletes
 * exactly what may have been made (a half-made one included) and nothing else.
 */
final class CreateSnapshots implements Step<BackupRun> {

    private static final Logger LOG = LoggerFactory.getLogger(CreateSnapshots.class);

    static String snapshotKey(int index) {
        return "snapshot." + index;
    }

    /** Every snapshot journaled as about to be taken (so perhaps taken). */
    static List<SnapshotRef> journaled(Facts facts) {
        List<SnapshotRef> refs = new ArrayList<>();
        for (int i = 0; facts.get(snapshotKey(i)).isPresent(); i++) {
            refs.add(SnapshotRef.parse(facts.require(snapshotKey(i))));
        }
        return refs;
    }

    @Override
    public String name() {
        return "CreateSnapshots";
    }

    @Override
    public String target(BackupRun run, Facts facts) {
        String snapshot = run.id().snapshotName();
        List<String> volumes;
        try {
            volumes = LocateVolumes.located(facts).orElseGet(() -> run.cluster().volumes().locate(run.cluster().spec().volumes()));
        } catch (RuntimeException e) { // LocateVolumes will fail the backup with this; a preview only says so
            return snapshot + " of each volume of the set (cannot locate them now: " + e.getMessage() + ")";
        }
        return String.join(", ", volumes.stream().map(v -> new SnapshotRef(v, snapshot).toString()).toList());
    }

    @Override
    public boolean isDone(BackupRun run, Facts facts) {
        return run.manifest().map(m -> !m.snapshots().isEmpty()).orElse(false);
    }

    @Override
    public void execute(BackupRun run, StepRun step) {
        run.enter(BackupPhase.SNAPSHOTTING);
        List<VolumeSpec> specs = run.cluster().spec().volumes();
        List<String> volumes = LocateVolumes.located(step.facts())
                .orElseThrow(() -> new IllegalStateException("the volumes were not located"));
        String name = run.id().snapshotName();
        List<VolumeSnapshot> taken = new ArrayList<>();
        for (int i = 0; i < volumes.size(); i++) {
            step.checkCancelled();
            step.record(snapshotKey(i), new SnapshotRef(volumes.get(i), name).toString());
            SnapshotRef ref = run.cluster().snapshotter().createSnapshot(volumes.get(i), name);
            VolumeSpec spec = specs.get(i);
            taken.add(new VolumeSnapshot(spec.role(), spec.name(), ref));
            step.progress(i + 1, volumes.size(), "snapshots");
        }
        run.record(run.requireManifest().withSnapshots(taken));
    }

    /**
     * Deletes every journaled snapshot; one already gone, or on a volume that is gone, was never left
     * behind. One that cannot be deleted is noted for the failed manifest, and the rollback goes on
     * (ending the session and recording the failure matter more than stopping here); the run
     * then ends STOPPED for a human, through {@link RecordBackupRunning}.
     */
    @Override
    public void undo(BackupRun run, Facts facts, String reason) {
        if (run.manifest().map(m -> m.state() == BackupState.COMPLETED).orElse(false)) {
            LOG.warn("backup {} is complete; its snapshots stay although a later step failed: {}", run.id(), reason);
            return;
        }
        List<String> failures = new ArrayList<>();
        for (SnapshotRef ref : journaled(facts)) {
            try {
                run.cluster().snapshotter().deleteSnapshot(ref);
            } catch (SnapshotException e) {
                if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                    LOG.info("snapshot {} of backup {} is gone with its volume: {}", ref, run.id(), e.getMessage());
                    continue;
                }
                failures.add(ref + ": " + e.getMessage());
            } catch (RuntimeException e) {
                failures.add(ref + ": " + e.getMessage());
            }
        }
        failures.forEach(run::leftBehind);
    }
}
