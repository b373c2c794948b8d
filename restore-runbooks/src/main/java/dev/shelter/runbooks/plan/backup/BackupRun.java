package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupPhase;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.postgres.BackupSession;
import dev.shelter.runbooks.postgres.PostgresControl;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the steps of one backup share: the cluster and the ports they act through, the manifest
 * as it moves on (every change recorded in the catalog, so progress is visible), and the backup
 * session while it is open. The session lives only in this process: a backup cannot outlive the
 * Shelter that holds it, which is why an interrupted backup rolls back instead of resuming.
 */
public final class BackupRun {

    private final ProtectedCluster cluster;
    private final PostgresControl postgres;
    private final BackupCatalog catalog;
    private final Clock clock;
    private final BackupId id;
    private BackupManifest manifest;
    private BackupSession session;
    private final List<String> leftBehind = new ArrayList<>();
    private ExecutorService writingBehind;
    private final List<Future<?>> pendingWrites = new ArrayList<>();

    public BackupRun(ProtectedCluster cluster, PostgresControl postgres, BackupCatalog catalog, Clock clock, BackupId id) {
        this.cluster = cluster;
        this.postgres = postgres;
        this.catalog = catalog;
        this.clock = clock;
        this.id = id;
    }

    /** A new backup, its manifest not yet recorded: its first step records it. */
    public static BackupRun starting(ProtectedCluster cluster, PostgresControl postgres, BackupCatalog catalog, Clock clock,
                                     BackupManifest running) {
        BackupRun run = new BackupRun(cluster, postgres, catalog, clock, running.id());
        run.manifest = running;
        return run;
    }

    /** For a dry run: the manifest as it would be, and no catalog, so nothing can be recorded. */
    public static BackupRun preview(ProtectedCluster cluster, PostgresControl postgres, Clock clock, BackupManifest unrecorded) {
        return starting(cluster, postgres, null, clock, unrecorded);
    }

    /** The application_name of a backup's session in pg_stat_activity. */
    public static String sessionName(BackupId id) {
        return "shelter-backup-" + id;
    }

    public ProtectedCluster cluster() {
        return cluster;
    }

    public PostgresControl postgres() {
        return postgres;
    }

    public Clock clock() {
        return clock;
    }

    public BackupId id() {
        return id;
    }

    public String sessionName() {
        return sessionName(id);
    }

    /** The manifest as recorded (or about to be); read from the catalog once, then kept as the steps change it. */
    public synchronized Optional<BackupManifest> manifest() {
        if (manifest == null) {
            manifest = catalog.find(id).orElse(null);
        }
        return Optional.ofNullable(manifest);
    }

    public BackupManifest requireManifest() {
        return manifest().orElseThrow(() -> new IllegalStateException("backup " + id + " has no manifest in the catalog"));
    }

    /** Whether the catalog holds the manifest (a run interrupted before its first step may have none). */
    synchronized boolean isRecorded() {
        return catalog.find(id).isPresent();
    }

    public synchronized void record(BackupManifest next) {
        manifest = next;
        if (writingBehind != null) {
            pendingWrites.add(writingBehind.submit(() -> catalog.record(next)));
            return;
        }
        catalog.record(next);
    }

    /**
     * From here on the manifest's progress is written behind, in order, by a thread of its own:
     * inside backup mode PostgreSQL must not wait on the catalog's writes. The journal's own writes
     * (the snapshots' names before they are taken) are not deferred.
     */
    synchronized void writeBehind() {
        if (writingBehind == null) {
            writingBehind = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "backup-" + id + "-manifest-writes");
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    /** Waits for the writes behind and writes directly again; a write that failed fails the caller. */
    void catchUp() {
        List<Future<?>> writes;
        synchronized (this) {
            if (writingBehind == null) {
                return;
            }
            writingBehind.shutdown();
            writingBehind = null;
            writes = List.copyOf(pendingWrites);
            pendingWrites.clear();
        }
        for (Future<?> write : writes) {
            try {
                write.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the manifest of backup " + id + " could not be recorded: "
                        + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recording the manifest of backup " + id, e);
            }
        }
    }

    /** Records which server a session reached; a standby is refused unless the policy allows it (it may have changed since the request). */
    void recordServer(BackupSession.ServerState state) {
        if (state.inRecovery() && !cluster.policy().allowStandby()) {
            throw new IllegalStateException("the server is a standby (in recovery); backups from standbys are not allowed");
        }
        record(requireManifest().withServer(state.identity(), state.databaseBytes()));
    }

    public void enter(BackupPhase phase) {
        record(requireManifest().inPhase(phase));
    }

    public synchronized Optional<BackupSession> session() {
        return Optional.ofNullable(session);
    }

    synchronized void holdSession(BackupSession opened) {
        session = opened;
    }

    /** Closes the session if this process holds one; closing it mid-backup is how PostgreSQL is told to abort. */
    synchronized void closeSession() {
        if (session != null) {
            try {
                session.close();
            } finally {
                session = null;
            }
        }
    }

    /** Snapshots a rollback could not delete, each with why; the failed manifest names them. */
    synchronized void leftBehind(String snapshotAndReason) {
        leftBehind.add(snapshotAndReason);
    }

    synchronized List<String> leftBehind() {
        return List.copyOf(leftBehind);
    }
}
