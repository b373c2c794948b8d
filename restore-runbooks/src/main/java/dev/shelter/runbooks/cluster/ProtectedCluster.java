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

    /** {@code walTimeout}: how long a backup waits for its last WAL segment in the archive. */
    public record BackupPolicy(boolean allowStandby, Duration walTimeout, Optional<Duration> maxBackupAge) {
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
