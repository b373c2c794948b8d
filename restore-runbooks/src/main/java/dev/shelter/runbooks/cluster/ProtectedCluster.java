package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A configured cluster with the adapters its backups use: its target's control (every target has
 * one: it locates the volumes, stops and starts the server for offline backups, reads a stopped
 * member's pg_control, and receives events), the volumes' snapshotter, its WAL archive, its hooks,
 * and its policies.
 */
public record ProtectedCluster(ClusterSpec spec, ClusterControl control, VolumeSnapshotter snapshotter, WalArchive walArchive,
                               List<BackupHook> preHooks, List<BackupHook> postHooks, BackupPolicy policy) {

    /**
     * {@code walTimeout}: how long a backup waits for its last WAL segment in the archive;
     * {@code maxSnapshotsPerVolume}: a backup is refused once a volume of the set has that many
     * snapshots (ceph-csi keeps at most 450 per RBD image, librbd 510).
     */
    public record BackupPolicy(boolean allowStandby, Duration walTimeout, Optional<Duration> maxBackupAge, int maxSnapshotsPerVolume) {

        public static final int CEPH_CSI_SNAPSHOT_LIMIT = 450;

        public BackupPolicy {
            if (maxSnapshotsPerVolume < 1) {
                throw new IllegalArgumentException("maxSnapshotsPerVolume must be at least 1, not " + maxSnapshotsPerVolume);
            }
        }

        public BackupPolicy(boolean allowStandby, Duration walTimeout, Optional<Duration> maxBackupAge) {
            this(allowStandby, walTimeout, maxBackupAge, CEPH_CSI_SNAPSHOT_LIMIT);
        }
    }

    public ProtectedCluster {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(snapshotter, "snapshotter");
        Objects.requireNonNull(walArchive, "walArchive");
        preHooks = List.copyOf(preHooks);
        postHooks = List.copyOf(postHooks);
        Objects.requireNonNull(policy, "policy");
    }

    public String name() {
        return spec.name().value();
    }

    /**
     * Where the backup set is now: a StatefulSet's volumes are followed from the primary pod's claims;
     * a local cluster's are its configured directories.
     */
    public BackupSetLocator volumes() {
        return spec.target() instanceof LocalTarget ? BackupSetLocator.asConfigured() : new PrimaryMemberVolumes(control);
    }
}
