package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.postgres.ServerInspector;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Starts a backup of a cluster: checks the request and the cluster now (so a bad one is refused
 * with a clear answer), records it as running, and runs it in the background.
 * One backup at a time per cluster.
 */
public final class TakeBackup {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final Map<String, ProtectedCluster> clusters;
    private final ServerInspector inspector;
    private final BackupCatalog catalog;
    private final BackupRunner runner;
    private final ExecutorService executor;
    private final Clock clock;
    private final Map<String, BackupId> running = new ConcurrentHashMap<>();

    public TakeBackup(Map<String, ProtectedCluster> clusters, ServerInspector inspector, BackupCatalog catalog,
                      BackupRunner runner, ExecutorService executor, Clock clock) {
        this.clusters = Map.copyOf(clusters);
        this.inspector = inspector;
        this.catalog = catalog;
        this.runner = runner;
        this.executor = executor;
        this.clock = clock;
    }

    /** Returns the running backup's manifest; its progress is then read from the catalog. */
    public BackupManifest start(String clusterName, String mode, String label, Boolean fastCheckpoint, String confirm) {
        ProtectedCluster cluster = Optional.ofNullable(clusters.get(clusterName))
                .orElseThrow(() -> new UnknownClusterException(clusterName));
        BackupMode backupMode = parseMode(mode);
        if (backupMode == BackupMode.OFFLINE && !clusterName.equals(confirm)) {
            throw new InvalidRequestException("an offline backup stops PostgreSQL of cluster '" + clusterName + "' until its "
                    + "snapshots are taken: to go ahead, send \"confirm\": \"" + clusterName + "\"");
        }
        BackupId id = BackupId.startingAt(clock.instant());
        String effectiveLabel = label == null ? "shelter " + id : label;
        if (!BackupRequest.isUsableLabel(effectiveLabel)) {
            throw new InvalidRequestException("label must be 1-100 characters of letters, digits, space and ._:+@- "
                    + "(it is written into backup_label)");
        }
        if (backupMode == BackupMode.OFFLINE && cluster.serverController().isEmpty()) {
            throw new ConflictException("cluster '" + clusterName + "' runs on " + cluster.spec().target().kind()
                    + ", where Shelter cannot stop and start PostgreSQL yet: offline backups are not possible there");
        }
        ServerFacts facts = inspector.inspect(cluster.spec().postgres(), PROBE_TIMEOUT);
        if (facts.inRecovery() && !cluster.policy().allowStandby()) {
            throw new ConflictException("cluster '" + clusterName + "' answers as a standby (in recovery); back up the "
                    + "primary, or set backups.allowStandby for this cluster");
        }
        BackupRequest request = new BackupRequest(id, clusterName, backupMode, effectiveLabel,
                fastCheckpoint == null || fastCheckpoint, clock.instant());
        BackupManifest manifest = BackupManifest.running(request);
        claim(clusterName, id);
        try {
            catalog.record(manifest);
            executor.submit(() -> {
                try {
                    runner.run(cluster, manifest);
                } finally {
                    running.remove(clusterName, id);
                }
            });
        } catch (RuntimeException e) {
            running.remove(clusterName, id);
            throw e;
        }
        return manifest;
    }

    public boolean isRunning(String clusterName) {
        return running.containsKey(clusterName);
    }

    private void claim(String clusterName, BackupId id) {
        BackupId other = running.putIfAbsent(clusterName, id);
        if (other != null) {
            throw new ConflictException("backup " + other + " of cluster '" + clusterName + "' is still running; "
                    + "one backup at a time per cluster");
        }
        Optional<BackupManifest> recorded = catalog.inState(BackupState.RUNNING).stream()
                .filter(m -> m.cluster().equals(clusterName)).findFirst();
        if (recorded.isPresent()) {
            running.remove(clusterName, id);
            throw new ConflictException("backup " + recorded.get().id() + " of cluster '" + clusterName + "' is recorded as "
                    + "running; one backup at a time per cluster");
        }
    }

    /** Exactly "online" or "offline", as the API documents them: a mode that is nearly right is still a guess. */
    private static BackupMode parseMode(String mode) {
        if (mode == null) {
            return BackupMode.ONLINE;
        }
        for (BackupMode known : BackupMode.values()) {
            if (known.name().toLowerCase(Locale.ROOT).equals(mode)) {
                return known;
            }
        }
        throw new InvalidRequestException("mode must be \"online\" or \"offline\" (lowercase), not \"" + mode + "\"");
    }
}
