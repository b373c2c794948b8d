package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A configured cluster with the adapters its backups use: its target's control (Kubernetes only so
 * far; it locates the volumes and receives events), the volumes' snapshotter, its WAL
 * archive, its server controller (for offline backups; absent where the target cannot stop it
 * yet), its hooks, and its policies.
 */
public record ProtectedCluster(ClusterSpec spec, Optional<ClusterControl> control, VolumeSnapshotter snapshotter, WalArchive walArchive,
                               Optional<ServerController> serverController, List<BackupHook> preHooks,
                               List<BackupHook> postHooks, BackupPolicy policy) {

    /** {@code walTimeout}: how long a backup waits for its last WAL segment in the archive. */
    public record BackupPolicy(boolean allowStandby, Duration walTimeout, Optional<Duration> maxBackupAge) {
    }

    public ProtectedCluster {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(snapshotter, "snapshotter");
        Objects.requireNonNull(walArchive, "walArchive");
        Objects.requireNonNull(serverController, "serverController");
        preHooks = List.copyOf(preHooks);
        postHooks = List.copyOf(postHooks);
        Objects.requireNonNull(policy, "policy");
    }

    public String name() {
        return spec.name().value();
    }

    /** Where the backup set is now: followed through the target when Shelter controls one, else as configured. */
    public BackupSetLocator volumes() {
        return control.<BackupSetLocator>map(PrimaryMemberVolumes::new).orElse(BackupSetLocator.asConfigured());
    }
}
