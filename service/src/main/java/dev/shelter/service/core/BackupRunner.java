package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.backup.WalSegmentName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.BackupHook;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.ServerController;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.postgres.BackupSession;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.storage.snapshot.SnapshotRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one backup to its end, recording each phase in the catalog:
 * pre-hooks, a consistent point (backup mode held in one session, or a clean stop), a snapshot of
 * every volume of the set, the end of that point, the WAL through the stop LSN in the archive,
 * post-hooks. Any failure before the backup is complete deletes the snapshots it made.
 */
public final class BackupRunner {

    private static final Logger LOG = LoggerFactory.getLogger(BackupRunner.class);
    private static final Pattern START_TIMELINE = Pattern.compile("^START TIMELINE: (\\d+)$", Pattern.MULTILINE);
    private static final Duration WAL_POLL = Duration.ofMillis(200);

    private final PostgresControl postgres;
    private final BackupCatalog catalog;
    private final BackupListener listener;
    private final Clock clock;

    public BackupRunner(PostgresControl postgres, BackupCatalog catalog, BackupListener listener, Clock clock) {
        this.postgres = postgres;
        this.catalog = catalog;
        this.listener = listener;
        this.clock = clock;
    }

    /** The application_name of a backup's session in pg_stat_activity. */
    public static String sessionName(BackupManifest manifest) {
        return "shelter-backup-" + manifest.id();
    }

    public BackupManifest run(ProtectedCluster cluster, BackupManifest queued) {
        Progress progress = new Progress(queued);
        List<SnapshotRef> taken = new ArrayList<>();
        try {
            runPreHooks(cluster, progress);
            if (queued.request().mode() == BackupMode.ONLINE) {
                takeOnline(cluster, progress, taken);
                awaitWal(cluster, progress);
            } else {
                takeOffline(cluster, progress, taken);
            }
            BackupManifest completed = progress.current.completed(clock.instant());
            catalog.record(completed);
            progress.current = completed;
            LOG.info("backup {} of {} completed: {} snapshots, {} s in backup mode", completed.id(), cluster.name(),
                    taken.size(), completed.window().duration().toMillis() / 1000.0);
            runPostHooks(cluster, completed);
        } catch (RuntimeException e) {
            LOG.warn("backup {} of {} failed: {}", queued.id(), cluster.name(), e.getMessage());
            deleteSnapshots(cluster, taken);
            BackupManifest failed = progress.current.failed(e.getMessage(), clock.instant());
            catalog.record(failed);
            progress.current = failed;
        } finally {
            listener.backupEnded(progress.current);
        }
        return progress.current;
    }

    /** Backup mode in one session around the snapshots; the session ends whatever happens. */
    private void takeOnline(ProtectedCluster cluster, Progress progress, List<SnapshotRef> taken) {
        progress.enter(BackupPhase.STARTING_BACKUP_MODE);
        try (BackupSession session = postgres.openBackupSession(cluster.spec().postgres(), sessionName(progress.current))) {
            recordServer(session, cluster, progress);
            BackupSession.Started started = session.begin(progress.current.request().label(),
                    progress.current.request().fastCheckpoint());

            progress.enter(BackupPhase.SNAPSHOTTING);
            snapshotVolumes(cluster, progress, taken);

            progress.enter(BackupPhase.STOPPING_BACKUP_MODE);
            BackupSession.Stopped stopped = session.end();
            progress.record(progress.current.withWindow(new BackupModeWindow(started.startLsn(), stopped.stopLsn(),
                    timelineOf(stopped.labelFile()), stopped.labelFile(), stopped.tablespaceMap(), started.at(), stopped.at())));
        }
    }

    /** A clean stop, the snapshots, and a start again, which happens even if the snapshots fail. */
    private void takeOffline(ProtectedCluster cluster, Progress progress, List<SnapshotRef> taken) {
        ServerController server = cluster.serverController().orElseThrow();
        progress.enter(BackupPhase.STOPPING_SERVER);
        try (BackupSession session = postgres.openBackupSession(cluster.spec().postgres(), sessionName(progress.current))) {
            recordServer(session, cluster, progress);
        }
        Instant stoppedAt = clock.instant();
        server.stopCleanly();
        try {
            ServerController.ShutdownCheckpoint checkpoint = server.readShutdownCheckpoint();
            if (!checkpoint.systemIdentifier().equals(progress.current.server().systemIdentifier())) {
                throw new IllegalStateException("the data directory belongs to system " + checkpoint.systemIdentifier()
                        + ", but the configured connection reached system " + progress.current.server().systemIdentifier());
            }
            progress.enter(BackupPhase.SNAPSHOTTING);
            snapshotVolumes(cluster, progress, taken);
            progress.enter(BackupPhase.STARTING_SERVER);
            server.start();
            progress.record(progress.current.withWindow(new BackupModeWindow(checkpoint.checkpoint(), checkpoint.checkpoint(),
                    checkpoint.timeline(), null, null, stoppedAt, clock.instant())));
        } finally {
            if (!server.isRunning()) {
                server.start();
            }
        }
    }

    /** Records which server the session reached; a standby is refused unless the policy allows it (it may have changed since the request). */
    private static void recordServer(BackupSession session, ProtectedCluster cluster, Progress progress) {
        BackupSession.ServerState state = session.inspect();
        if (state.inRecovery() && !cluster.policy().allowStandby()) {
            throw new IllegalStateException("the server is a standby (in recovery); backups from standbys are not allowed");
        }
        progress.fromStandby = state.inRecovery();
        progress.record(progress.current.withServer(state.identity(), state.databaseBytes()));
    }

    /** Every volume of the set, or none: a missing volume fails the backup. */
    private void snapshotVolumes(ProtectedCluster cluster, Progress progress, List<SnapshotRef> taken) {
        List<VolumeSnapshot> volumes = new ArrayList<>();
        String name = progress.current.id().snapshotName();
        List<VolumeSpec> specs = cluster.spec().volumes();
        List<String> located = cluster.volumes().locate(specs);
        for (int i = 0; i < specs.size(); i++) {
            VolumeSpec volume = specs.get(i);
            SnapshotRef ref = cluster.snapshotter().createSnapshot(located.get(i), name);
            taken.add(ref);
            volumes.add(new VolumeSnapshot(volume.role(), volume.name(), ref.volume(), ref.snapshot()));
        }
        progress.record(progress.current.withSnapshots(volumes));
    }

    /**
     * Done means restorable: the WAL through the stop LSN must be in the archive (rule 5). Backup
     * mode has already ended (its stop does not wait for any archive, rule 1), so this wait costs
     * the backup time but not PostgreSQL. Nothing needs to be switched: on a primary the stop call
     * has already switched to a new segment, so the one holding the stop LSN is complete and only
     * has to be archived; a standby cannot switch (PostgreSQL refuses during recovery), and the
     * primary's traffic or archive_timeout completes the segment.
     */
    private void awaitWal(ProtectedCluster cluster, Progress progress) {
        progress.enter(BackupPhase.WAITING_FOR_WAL);
        BackupManifest manifest = progress.current;
        WalFileName segment = WalFileName.of(WalSegmentName.lastNeededBefore(manifest.window().timeline(),
                manifest.window().stopLsn(), manifest.server().walSegmentBytes()));
        Instant start = clock.instant();
        Instant deadline = start.plus(cluster.policy().walTimeout());
        while (!cluster.walArchive().containsSegment(segment, manifest.server().walSegmentBytes())) {
            if (clock.instant().isAfter(deadline)) {
                throw new IllegalStateException("WAL segment " + segment + " (through stop LSN " + manifest.window().stopLsn()
                        + ") did not reach " + cluster.walArchive().describe() + " within " + cluster.policy().walTimeout().toSeconds()
                        + " s; the backup is not restorable without it" + (progress.fromStandby
                        ? " (a standby cannot switch WAL: the primary's traffic or archive_timeout must complete the segment)" : ""));
            }
            sleep(WAL_POLL);
        }
        LOG.info("backup {} of {}: WAL segment {} (through stop LSN {}) is in the archive, {} s after backup mode ended",
                manifest.id(), cluster.name(), segment, manifest.window().stopLsn(),
                Duration.between(manifest.window().endedAt(), clock.instant()).toMillis() / 1000.0);
    }

    /** A failing pre-hook fails the backup before backup mode starts. */
    private static void runPreHooks(ProtectedCluster cluster, Progress progress) {
        if (cluster.preHooks().isEmpty()) {
            return;
        }
        progress.enter(BackupPhase.RUNNING_PRE_HOOKS);
        for (BackupHook hook : cluster.preHooks()) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                throw new IllegalStateException("pre-hook " + hook.describe() + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** A failing post-hook is logged; the backup stays complete, because its data is. */
    private void runPostHooks(ProtectedCluster cluster, BackupManifest completed) {
        for (BackupHook hook : cluster.postHooks()) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LOG.warn("post-hook {} of backup {} failed: {}", hook.describe(), completed.id(), e.getMessage());
            }
        }
    }

    private void deleteSnapshots(ProtectedCluster cluster, List<SnapshotRef> taken) {
        for (SnapshotRef ref : taken) {
            try {
                cluster.snapshotter().deleteSnapshot(ref);
            } catch (RuntimeException e) {
                LOG.error("cannot delete snapshot {} of a failed backup; delete it by hand: {}", ref, e.getMessage());
            }
        }
    }

    static Timeline timelineOf(String labelFile) {
        Matcher m = START_TIMELINE.matcher(labelFile == null ? "" : labelFile);
        if (!m.find()) {
            throw new IllegalStateException("backup_label has no START TIMELINE line");
        }
        return new Timeline(Long.parseLong(m.group(1)));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The manifest as the backup moves on; every change is recorded so progress is visible. */
    private final class Progress {
        private BackupManifest current;
        /** The backup session reached a server in recovery (allowed by backups.allowStandby). */
        private boolean fromStandby;

        Progress(BackupManifest start) {
            this.current = start;
        }

        void enter(BackupPhase phase) {
            record(current.inPhase(phase));
        }

        void record(BackupManifest next) {
            current = next;
            catalog.record(next);
        }
    }
}
