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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /**
     * Backup mode in one session around the snapshots; the session ends whatever happens. Backup
     * mode holds only what must happen inside it, the snapshots and the stop: the volumes are found
     * (and checked to be there) before it, and the manifest's progress inside it is written behind,
     * so PostgreSQL does not wait on the catalog's writes.
     */
    private void takeOnline(ProtectedCluster cluster, Progress progress, List<SnapshotRef> taken) {
        progress.enter(BackupPhase.STARTING_BACKUP_MODE);
        try (BackupSession session = postgres.openBackupSession(cluster.spec().postgres(), sessionName(progress.current))) {
            recordServer(session, cluster, progress);
            List<String> located = locateVolumes(cluster);
            BackupSession.Started started = session.begin(progress.current.request().label(),
                    progress.current.request().fastCheckpoint());

            BackupSession.Stopped stopped = null;
            progress.writeBehind();
            try {
                progress.enter(BackupPhase.SNAPSHOTTING);
                snapshotVolumes(cluster, located, progress, taken);
                progress.enter(BackupPhase.STOPPING_BACKUP_MODE);
                stopped = session.end();
            } finally {
                progress.catchUp(stopped != null); // a failed write fails the backup, unless it is failing anyway
            }
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
        List<String> located = locateVolumes(cluster);
        Instant stoppedAt = clock.instant();
        server.stopCleanly();
        try {
            ServerController.ShutdownCheckpoint checkpoint = server.readShutdownCheckpoint();
            if (!checkpoint.systemIdentifier().equals(progress.current.server().systemIdentifier())) {
                throw new IllegalStateException("the data directory belongs to system " + checkpoint.systemIdentifier()
                        + ", but the configured connection reached system " + progress.current.server().systemIdentifier());
            }
            progress.enter(BackupPhase.SNAPSHOTTING);
            snapshotVolumes(cluster, located, progress, taken);
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

    /**
     * Where each volume of the set is, as the snapshotter names it, each checked to be there: a
     * missing volume fails the backup before PostgreSQL enters backup mode (or is stopped), and the
     * snapshotter's first use of a volume (a Ceph image opened, say) is paid outside it.
     */
    private static List<String> locateVolumes(ProtectedCluster cluster) {
        List<String> located = cluster.volumes().locate(cluster.spec().volumes());
        for (String volume : located) {
            cluster.snapshotter().listSnapshots(volume); // NOT_FOUND, naming it, if the volume is missing
        }
        return located;
    }

    /** Every volume of the set, or none: a missing volume fails the backup. */
    private void snapshotVolumes(ProtectedCluster cluster, List<String> located, Progress progress, List<SnapshotRef> taken) {
        List<VolumeSnapshot> volumes = new ArrayList<>();
        String name = progress.current.id().snapshotName();
        List<VolumeSpec> specs = cluster.spec().volumes();
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

    /**
     * The manifest as the backup moves on; every change is recorded so progress is visible. Inside
     * backup mode the changes are written behind, in order, by a thread of their own; whatever is
     * recorded after that first waits for them.
     */
    private final class Progress {
        private BackupManifest current;
        /** The backup session reached a server in recovery (allowed by backups.allowStandby). */
        private boolean fromStandby;
        private ExecutorService writer;
        private final List<Future<?>> written = new ArrayList<>();

        Progress(BackupManifest start) {
            this.current = start;
        }

        void enter(BackupPhase phase) {
            record(current.inPhase(phase));
        }

        void record(BackupManifest next) {
            current = next;
            if (writer != null) {
                written.add(writer.submit(() -> catalog.record(next)));
            } else {
                catalog.record(next);
            }
        }

        /** From now on, until {@link #catchUp}, records are written behind. */
        void writeBehind() {
            String name = "backup-" + current.id() + "-progress";
            writer = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, name);
                thread.setDaemon(true);
                return thread;
            });
        }

        /**
         * Waits until everything written behind is written and stops the writer. If a write failed
         * and {@code failOnError}, the backup fails with it; otherwise it is only logged.
         */
        void catchUp(boolean failOnError) {
            if (writer == null) {
                return;
            }
            writer.shutdown();
            RuntimeException failure = null;
            for (Future<?> write : written) {
                try {
                    write.get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (failure == null) {
                        failure = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    writer.shutdownNow();
                    throw new IllegalStateException("interrupted while recording the backup's progress", e);
                }
            }
            writer = null;
            written.clear();
            if (failure != null) {
                if (failOnError) {
                    throw failure;
                }
                LOG.warn("cannot record the progress of backup {}: {}", current.id(), failure.getMessage());
            }
        }
    }
}
