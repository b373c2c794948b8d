package dev.shelter.runbooks.plan.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.runbooks.postgres.RecoveryWatch;
import dev.shelter.runbooks.postgres.ServerInspector;
import dev.shelter.runbooks.restore.ArchivedTimelines;
import dev.shelter.runbooks.restore.NewClusterPlacement;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.RestoreTarget;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.runbooks.wal.TimelineHistory;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.offsite.OffsiteRepository;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the steps of one restore share: the cluster, the backup it starts from, the target and the
 * timeline recovery follows (all journaled, so a resumed restore is the same restore), the ports it
 * acts through, the restore_command its server fetches WAL with, the cluster's HA manager, if it has one,
 * the operator's checks of the restored data (queries that must each answer true), for a
 * clone-and-swap restore the swap of its volumes (a restore from the object store swaps too, and
 * has the repository it rebuilds them from), and for a restore into a new cluster that cluster.
 * {@code cluster} is always the source: its backups, its archive and its timelines; the server
 * restored, started and verified is {@link #restored()}.
 */
public record RestoreRun(ProtectedCluster cluster, BackupManifest backup, RestoreTarget target, Timeline timeline,
                         Ports ports, RecoveryFilesTarget recoveryFiles, String restoreCommand, Duration recoveryTimeout,
                         Optional<HaControl> ha, List<String> checks, Optional<CloneSwap> cloneSwap, Optional<NewCluster> newCluster,
                         Optional<FromObjectStore> fromObjectStore, Clock clock) {

    /**
     * What a restore from the off-site repository needs beyond a clone and swap: the repository
     * its volumes are rebuilt from, and how many chunks are fetched at once.
     */
    public record FromObjectStore(OffsiteRepository repository, int parallelFetches) {
        public FromObjectStore {
            Objects.requireNonNull(repository, "repository");
            if (parallelFetches < 1) {
                throw new IllegalArgumentException("at least one fetch at a time, not " + parallelFetches);
            }
        }
    }

    /** What a clone-and-swap restore needs beyond a rollback: the swap of the target's volumes, and how long originals are kept. */
    public record CloneSwap(VolumeSwap volumes, Duration keepOriginals) {
        public CloneSwap {
            Objects.requireNonNull(volumes, "volumes");
            Objects.requireNonNull(keepOriginals, "keepOriginals");
        }
    }

    /**
     * What a restore into a new cluster needs: the copy as a cluster of its own (its control, its
     * endpoint, its WAL archive apart from the source's), its volumes, the archive_command it runs
     * with, and where its archive lives, so that a teardown removes it with the copy.
     */
    public record NewCluster(ProtectedCluster copy, NewClusterPlacement placement, String archiveCommand, BlobStore archiveStore,
                             String archivePrefix) {
        public NewCluster {
            Objects.requireNonNull(copy, "copy");
            Objects.requireNonNull(placement, "placement");
            Objects.requireNonNull(archiveCommand, "archiveCommand");
            Objects.requireNonNull(archiveStore, "archiveStore");
            Objects.requireNonNull(archivePrefix, "archivePrefix");
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
        Objects.requireNonNull(newCluster, "newCluster");
        if (cloneSwap.isPresent() && newCluster.isPresent()) {
            throw new IllegalArgumentException("a restore swaps the cluster's volumes or makes a new cluster, not both");
        }
        Objects.requireNonNull(fromObjectStore, "fromObjectStore");
        if (fromObjectStore.isPresent() && cloneSwap.isEmpty()) {
            throw new IllegalArgumentException("a restore from the object store swaps its rebuilt volumes in: it needs the volume swap");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /** The off-site repository; only the rebuild asks, and a restore without one is refused at request time. */
    public FromObjectStore requireFromObjectStore() {
        return fromObjectStore.orElseThrow(() -> new IllegalStateException("restore of " + clusterName() + " has no off-site repository"));
    }

    /** The cluster whose server this restore starts and verifies: the new one, or the source itself. */
    public ProtectedCluster restored() {
        return newCluster.map(NewCluster::copy).orElse(cluster);
    }

    /** The new cluster; only its steps ask, and a restore without one is refused at request time. */
    public NewCluster requireNewCluster() {
        return newCluster.orElseThrow(() -> new IllegalStateException("restore of " + clusterName() + " makes no new cluster"));
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
        if (newCluster.isPresent()) {
            newCluster.get().placement().requirePlaceable(backup);
            return;
        }
        cloneSwap.ifPresentOrElse(swap -> swap.volumes().requireSwappable(backup), () -> recoveryFiles.requireBackupOfThisVolume(backup));
        if (fromObjectStore.isPresent()) {
            RebuildVolumes.requireCopies(this);
        }
    }

    /** The history recovery follows, as archived. */
    public TimelineHistory history() {
        return new ArchivedTimelines(cluster.walArchive()).historyOf(timeline);
    }
}
