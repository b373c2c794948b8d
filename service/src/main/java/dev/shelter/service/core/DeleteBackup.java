package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.storage.snapshot.SnapshotRef;

import java.time.Clock;
import java.util.Map;

/**
 * Deletes a finished backup: its snapshots, then its manifest. A protected snapshot means a
 * restore or a clone depends on it, and the backup is refused with a conflict before anything changes.
 */
public final class DeleteBackup {

    private final Map<String, ProtectedCluster> clusters;
    private final BackupCatalog catalog;
    private final Clock clock;

    public DeleteBackup(Map<String, ProtectedCluster> clusters, BackupCatalog catalog, Clock clock) {
        this.clusters = Map.copyOf(clusters);
        this.catalog = catalog;
        this.clock = clock;
    }

    public BackupManifest delete(String id) {
        BackupManifest manifest = ShowBackups.requireKnown(catalog, id);
        if (manifest.state() == BackupState.RUNNING) {
            throw new ConflictException("backup " + id + " is running; it can be deleted once it has ended");
        }
        if (manifest.state() == BackupState.DELETED) {
            return manifest;
        }
        ProtectedCluster cluster = clusters.get(manifest.cluster());
        if (cluster == null && !manifest.snapshots().isEmpty()) {
            throw new ConflictException("backup " + id + " belongs to cluster '" + manifest.cluster()
                    + "', which is no longer configured; Shelter cannot reach its snapshots");
        }
        for (VolumeSnapshot snapshot : manifest.snapshots()) {
            SnapshotRef ref = new SnapshotRef(snapshot.volume(), snapshot.snapshot());
            if (cluster.snapshotter().exists(ref) && cluster.snapshotter().isProtected(ref)) {
                throw new ConflictException("snapshot " + ref + " of backup " + id + " is protected: a restore or clone uses it");
            }
        }
        for (VolumeSnapshot snapshot : manifest.snapshots()) {
            cluster.snapshotter().deleteSnapshot(new SnapshotRef(snapshot.volume(), snapshot.snapshot()));
        }
        BackupManifest deleted = manifest.deleted(clock.instant());
        catalog.forget(deleted);
        return deleted;
    }
}
