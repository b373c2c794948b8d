package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterEvent;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.time.Duration;
import java.util.List;

/**
 * The seed's restore of a cold snapshot set (taken with the server stopped): scale the cluster to
 * zero, roll every volume of the set back, scale it back up. Everything that can refuse is checked
 * before the first destructive step. A snapshot taken in backup mode also needs its backup_label and
 * WAL (DESIGN.md section 3): that is the point-in-time restore's job, not this one's.
 */
public final class SnapshotRollback {

    private final ClusterControl cluster;
    private final VolumeSnapshotter snapshotter;
    private final Duration timeout;

    public SnapshotRollback(ClusterControl cluster, VolumeSnapshotter snapshotter, Duration timeout) {
        this.cluster = cluster;
        this.snapshotter = snapshotter;
        this.timeout = timeout;
    }

    /** Returns the number of members the cluster was scaled back to (at least one). */
    public int rollBack(List<SnapshotRef> snapshotSet) {
        requireRestorable(snapshotSet);
        int replicas = Math.max(1, cluster.desiredReplicas());
        cluster.recordEvent(ClusterEvent.normal("RollbackStarted", "rolling back " + snapshotSet + "; scaling to 0"));
        cluster.scale(0, timeout);
        for (SnapshotRef snapshot : snapshotSet) {
            snapshotter.rollbackVolume(snapshot);
        }
        cluster.scale(replicas, timeout);
        cluster.recordEvent(ClusterEvent.normal("RollbackCompleted", "rolled back " + snapshotSet + "; " + replicas
                + " member(s) ready"));
        return replicas;
    }

    private void requireRestorable(List<SnapshotRef> snapshotSet) {
        if (snapshotSet.isEmpty()) {
            throw new RestoreRefusedException("nothing to roll back: the snapshot set is empty");
        }
        if (snapshotSet.stream().map(SnapshotRef::volume).distinct().count() != snapshotSet.size()) {
            throw new RestoreRefusedException("the snapshot set names a volume twice: " + snapshotSet);
        }
        for (SnapshotRef snapshot : snapshotSet) {
            try {
                if (!snapshotter.exists(snapshot)) {
                    throw new RestoreRefusedException("snapshot " + snapshot + " does not exist; nothing was changed");
                }
            } catch (SnapshotException e) {
                throw new RestoreRefusedException("cannot check snapshot " + snapshot + ": " + e.getMessage()
                        + "; nothing was changed", e);
            }
        }
    }
}
