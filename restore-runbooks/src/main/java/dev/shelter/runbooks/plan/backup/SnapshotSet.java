package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.StepRun;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The snapshots of one backup, one per located volume, named {@code shelter-<id>}. Their names are
 * journaled when the volumes are located, before PostgreSQL enters backup mode or is stopped, so
 * that nothing is written to the journal while the snapshots are taken, and a rollback, even after
 * a kill -9, deletes exactly what may have been made (a half-made one included) and nothing else.
 */
final class SnapshotSet {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSet.class);

    private SnapshotSet() {
    }

    private static String key(int index) {
        return "snapshot." + index;
    }

    static void journal(BackupRun run, List<String> volumes, StepRun step) {
        for (int i = 0; i < volumes.size(); i++) {
            step.record(key(i), new SnapshotRef(volumes.get(i), run.id().snapshotName()).toString());
        }
    }

    /** Every snapshot journaled as about to be taken (so perhaps taken). */
    static List<SnapshotRef> journaled(Facts facts) {
        List<SnapshotRef> refs = new ArrayList<>();
        for (int i = 0; facts.get(key(i)).isPresent(); i++) {
            refs.add(SnapshotRef.parse(facts.require(key(i))));
        }
        return refs;
    }

    /** For a dry run and the journal: the snapshots as journaled, or where they would be taken now. */
    static String describe(BackupRun run, Facts facts) {
        List<SnapshotRef> refs = journaled(facts);
        if (!refs.isEmpty()) {
            return String.join(", ", refs.stream().map(SnapshotRef::toString).toList());
        }
        String snapshot = run.id().snapshotName();
        try {
            return String.join(", ", run.cluster().volumes().locate(run.cluster().spec().volumes()).stream()
                    .map(volume -> new SnapshotRef(volume, snapshot).toString()).toList());
        } catch (RuntimeException e) { // LocateVolumes will fail the backup with this; a preview only says so
            return snapshot + " of each volume of the set (cannot locate them now: " + e.getMessage() + ")";
        }
    }

    static boolean isTaken(BackupRun run) {
        return run.manifest().map(m -> !m.snapshots().isEmpty()).orElse(false);
    }

    /** Takes every journaled snapshot, or fails; progress is told between snapshots, never written after the last. */
    static void take(BackupRun run, StepRun step) {
        run.enter(BackupPhase.SNAPSHOTTING);
        List<SnapshotRef> refs = journaled(step.facts());
        List<VolumeSpec> specs = run.cluster().spec().volumes();
        if (refs.size() != specs.size()) {
            throw new IllegalStateException(refs.size() + " snapshots are journaled for " + specs.size() + " volumes");
        }
        List<VolumeSnapshot> taken = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            if (i > 0) {
                step.progress(i, refs.size(), "snapshots");
            }
            SnapshotRef ref = run.cluster().snapshotter().createSnapshot(refs.get(i).volume(), refs.get(i).snapshot());
            taken.add(new VolumeSnapshot(specs.get(i).role(), specs.get(i).name(), ref));
            step.checkCancelled();
        }
        run.record(run.requireManifest().withSnapshots(taken));
    }

    /**
     * Deletes every journaled snapshot; one already gone, or on a volume that is gone, was never
     * left behind. One that cannot be deleted is noted for the failed manifest, and the rollback
     * goes on (ending the session and recording the failure matter more than stopping here); the
     * run then ends STOPPED for a human, through {@link RecordBackupRunning}. A complete backup keeps
     * its snapshots whatever failed after it.
     */
    static void deleteJournaled(BackupRun run, Facts facts, String reason) {
        if (run.manifest().map(m -> m.state() == BackupState.COMPLETED).orElse(false)) {
            LOG.warn("backup {} is complete; its snapshots stay although a later step failed: {}", run.id(), reason);
            return;
        }
        for (SnapshotRef ref : journaled(facts)) {
            try {
                run.cluster().snapshotter().deleteSnapshot(ref);
            } catch (SnapshotException e) {
                if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                    LOG.info("snapshot {} of backup {} is gone with its volume: {}", ref, run.id(), e.getMessage());
                } else {
                    run.leftBehind(ref + ": " + e.getMessage());
                }
            } catch (RuntimeException e) {
                run.leftBehind(ref + ": " + e.getMessage());
            }
        }
    }
}
