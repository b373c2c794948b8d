package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.plan.backup.BackupRun;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.storage.snapshot.SnapshotRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * At startup, after {@link ResumeInterruptedRuns}: the fallback for a backup recorded as running
 * that has no run journal (left by a Shelter from before backups were journaled plans). Its backup
 * session is ended if PostgreSQL still has it, the snapshots named after it are deleted from each
 * configured volume (on Kubernetes those names are claim templates, not the images snapshotted:
 * such a snapshot is named in the failure for a human), a server stopped for an offline backup is
 * started, and it is recorded as failed. Assumes one Shelter instance per catalog (HA replicas
 * come with the clustered scheduler).
 */
public final class RecoverInterruptedBackups {

    private static final Logger LOG = LoggerFactory.getLogger(RecoverInterruptedBackups.class);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final Map<String, ProtectedCluster> clusters;
    private final PostgresControl postgres;
    private final BackupCatalog catalog;
    private final Clock clock;

    public RecoverInterruptedBackups(Map<String, ProtectedCluster> clusters, PostgresControl postgres, BackupCatalog catalog,
                                     Clock clock) {
        this.clusters = Map.copyOf(clusters);
        this.postgres = postgres;
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * Returns how many backups it found interrupted. A backup whose run is still unfinished in the
     * journal ({@code unfinishedRuns}, by subject) is its run's to end, never this fallback's.
     */
    public int recover(Set<String> unfinishedRuns) {
        int recovered = 0;
        for (BackupManifest manifest : catalog.inState(BackupState.RUNNING)) {
            if (unfinishedRuns.contains(manifest.id().value())) {
                LOG.error("backup {} of {} is still running in an unfinished run; it stays as it is", manifest.id(),
                        manifest.cluster());
                continue;
            }
            ProtectedCluster cluster = clusters.get(manifest.cluster().value());
            List<String> leftBehind = List.of();
            if (cluster != null) {
                endOrphanSession(cluster, manifest);
                leftBehind = deleteOrphanSnapshots(cluster, manifest);
                if (manifest.request().mode() == BackupMode.OFFLINE) {
                    startStoppedCluster(cluster, manifest);
                }
            }
            // Say "deleted" only of what was: a snapshot that could not be deleted is named, with why.
            String cleanup = leftBehind.isEmpty() ? "its session was ended and its snapshots deleted"
                    : "its session was ended, but its snapshots could not all be deleted; delete them by hand: "
                    + String.join("; ", leftBehind);
            catalog.record(manifest.failed("Shelter stopped while this backup was " + manifest.phase().name().toLowerCase()
                    + "; " + cleanup, clock.instant()));
            LOG.warn("backup {} of {} was interrupted by a stop of Shelter; recorded as failed", manifest.id(), manifest.cluster());
            recovered++;
        }
        return recovered;
    }

    private void endOrphanSession(ProtectedCluster cluster, BackupManifest manifest) {
        try {
            int ended = postgres.terminateSessions(cluster.spec().postgres(), BackupRun.sessionName(manifest.id()));
            if (ended > 0) {
                LOG.warn("ended {} leftover backup session(s) of backup {}", ended, manifest.id());
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot check {} for a leftover session of backup {}: {}", cluster.name(), manifest.id(), e.getMessage());
        }
    }

    /**
     * A backup recorded without a journal left no count of the members it stopped: a cluster asked
     * for none gets one, the primary; one asked for more was started again already and is left alone.
     */
    private static void startStoppedCluster(ProtectedCluster cluster, BackupManifest manifest) {
        try {
            if (cluster.control().desiredReplicas() == 0) {
                LOG.warn("cluster {} was stopped for offline backup {}; starting one member again", cluster.name(), manifest.id());
                cluster.control().scale(1, START_TIMEOUT);
            }
        } catch (RuntimeException e) {
            LOG.error("cannot start cluster {} again after the interrupted offline backup {}; start it by hand: {}", cluster.name(),
                    manifest.id(), e.getMessage());
        }
    }

    /** Returns what it could not delete, each with the reason (a missing volume is one: NOT_FOUND). */
    private static List<String> deleteOrphanSnapshots(ProtectedCluster cluster, BackupManifest manifest) {
        List<String> failures = new ArrayList<>();
        for (VolumeSpec volume : cluster.spec().volumes()) {
            SnapshotRef ref = new SnapshotRef(volume.source(), manifest.id().snapshotName());
            try {
                cluster.snapshotter().deleteSnapshot(ref);
            } catch (RuntimeException e) {
                LOG.error("cannot delete orphan snapshot {}; delete it by hand: {}", ref, e.getMessage());
                failures.add(ref + ": " + e.getMessage());
            }
        }
        return failures;
    }
}
