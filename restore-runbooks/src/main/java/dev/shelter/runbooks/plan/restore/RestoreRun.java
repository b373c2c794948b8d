package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.runbooks.postgres.RecoveryWatch;
import dev.shelter.runbooks.postgres.ServerInspector;
import dev.shelter.runbooks.restore.ArchivedTimelines;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.RestoreTarget;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.runbooks.wal.TimelineHistory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the steps of one restore share: the cluster, the backup it starts from, the target and the
 * timeline recovery follows (all journaled, so a resumed restore is the same restore), the ports it
 * acts through, the restore_command its server fetches WAL with, the cluster's HA manager, if it has one,
 * the operator's checks of the restored data (queries that must each answer true), and for a
 * clone-and-swap restore the swap of its volumes.
 */
public record RestoreRun(ProtectedCluster cluster, BackupManifest backup, RestoreTarget target, Timeline timeline,
                         Ports ports, RecoveryFilesTarget recoveryFiles, String restoreCommand, Duration recoveryTimeout,
                         Optional<HaControl> ha, List<String> checks, Optional<CloneSwap> cloneSwap, Clock clock) {

    /** What a clone-and-swap restore needs beyond a rollback: the swap of the target's volumes, and how long originals are kept. */
    public record CloneSwap(VolumeSwap volumes, Duration keepOriginals) {
        public CloneSwap {
            Objects.requireNonNull(volumes, "volumes");
            Objects.requireNonNull(keepOriginals, "keepOriginals");
        }
    }

    /** The PostgreSQL ports a restore talks through. */
    public record Ports(ServerInspector inspector, PostgresControl postgres, RecoveryWatch recoveryWatch) {
    }

    public RestoreRun {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(recoveryFiles, "recoveryFiles");
        Objects.requireNonNull(restoreCommand, "restoreCommand");
        Objects.requireNonNull(recoveryTimeout, "recoveryTimeout");
        Objects.requireNonNull(ha, "ha");
        checks = List.copyOf(checks);
        Objects.requireNonNull(cloneSwap, "cloneSwap");
        Objects.requireNonNull(clock, "clock");
    }

    public String clusterName() {
        return cluster.name();
    }

    /** The clone-and-swap part; only a clone-and-swap restore asks, and it is refused at request time where there is none. */
    public CloneSwap requireCloneSwap() {
        return cloneSwap.orElseThrow(() -> new IllegalStateException("cluster " + clusterName() + " cannot swap its volumes"));
    }

    /**
     * Refuses a backup this restore cannot bring into the cluster's volumes, before anything
     * changes: a rollback only a snapshot of the volume the recovering member mounts; a clone and
     * swap any snapshot it can clone, whatever volume was bound when it was taken.
     */
    public void requireRestorableBackup() {
        cloneSwap.ifPresentOrElse(swap -> swap.volumes().requireSwappable(backup), () -> recoveryFiles.requireBackupOfThisVolume(backup));
    }

    /** The history recovery follows, as archived. */
    public TimelineHistory history() {
        return new ArchivedTimelines(cluster.walArchive()).historyOf(timeline);
    }
}
