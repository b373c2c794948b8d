package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.Run;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunState;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.delete.DeleteBackupPlan;
import dev.shelter.runbooks.plan.delete.DeleteRun;
import dev.shelter.storage.blob.KeyLocks;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotRef;

import java.time.Clock;
import java.util.Map;

/**
 * Deletes a finished backup: its snapshots, then its manifest becomes a tombstone (state
 * deleted, no snapshots) in the store. A backup an operator protected is refused, and so is one
 * with a protected snapshot (a restore or a clone depends on it), with a conflict before anything
 * changes.
 * Deletes are idempotent: one delete of a backup runs at a time, a snapshot already gone counts
 * as deleted, and deleting a deleted backup answers with its tombstone, before a restart and
 * after it alike.
 */
public final class DeleteBackup {

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final FinishingRuns finishing;
    private final Clock clock;
    private final KeyLocks deleting = new KeyLocks();

    public DeleteBackup(ClusterRegistry clusters, BackupCatalog catalog, RunbookEngine engine, Clock clock) {
        this.clusters = clusters;
        this.engine = engine;
        this.finishing = new FinishingRuns(catalog, engine);
        this.catalog = catalog;
        this.clock = clock;
    }

    public BackupManifest delete(String id) {
        ShowBackups.requireKnown(catalog, id);
        try (KeyLocks.Held held = deleting.lock(id)) {
            return deleteKnown(ShowBackups.requireKnown(catalog, id)); // as it is now that no other delete runs
        }
    }

    private BackupManifest deleteKnown(BackupManifest manifest) {
        String id = manifest.id().value();
        if (manifest.state() == BackupState.RUNNING) {
            throw new ConflictException("backup " + id + " is running; it can be deleted once it has ended");
        }
        if (manifest.state() == BackupState.DELETED) {
            return manifest;
        }
        if (manifest.hasProtection()) {
            throw DeleteBackupPlan.protectedRefusal(manifest);
        }
        ProtectedCluster cluster = clusters.find(manifest.cluster().value()).orElse(null);
        if (cluster == null && !manifest.snapshots().isEmpty()) {
            throw new ConflictException("backup " + id + " belongs to cluster '" + manifest.cluster()
                    + "', which is no longer configured; Shelter cannot reach its snapshots");
        }
        // Everything that can refuse is checked before the first snapshot goes.
        for (VolumeSnapshot snapshot : manifest.snapshots()) {
            SnapshotRef ref = snapshot.ref();
            boolean exists;
            try {
                exists = cluster.snapshotter().exists(ref);
            } catch (SnapshotException e) {
                if (e.reason() != SnapshotException.Reason.NOT_FOUND) {
                    throw e;
                }
                throw new ConflictException("volume " + ref.volume() + " of backup " + id + " is not there, so Shelter cannot "
                        + "reach its snapshot " + ref.snapshot() + "; nothing was deleted (" + e.getMessage() + ")");
            }
            if (exists && cluster.snapshotter().isProtected(ref)) {
                throw protectedSnapshot(ref, id);
            }
        }
        if (cluster == null) { // a backup without snapshots (failed before any): only its tombstone is left to write
            BackupManifest deleted = manifest.deleted(clock.instant());
            catalog.record(deleted);
            return deleted;
        }
        finishing.awaitBefore(cluster.spec().name());
        Run<DeleteRun> run = engine.begin(DeleteBackupPlan.create(), new DeleteRun(cluster, catalog, clock, manifest.id()),
                cluster.spec().name(), id, Map.of());
        RunJournal ended = engine.execute(run);
        if (ended.state() != RunState.SUCCEEDED) {
            throw new ConflictException("backup " + id + " was not deleted: " + ended.failure()
                    + " (run " + ended.id() + "; a later delete finishes it)");
        }
        return ShowBackups.requireKnown(catalog, id);
    }

    /** One change of a backup at a time in this Shelter: a delete, a protection. */
    KeyLocks backupLocks() {
        return deleting;
    }

    private static ConflictException protectedSnapshot(SnapshotRef ref, String id) {
        return new ConflictException("snapshot " + ref + " of backup " + id + " is protected: a restore or clone uses it");
    }
}
