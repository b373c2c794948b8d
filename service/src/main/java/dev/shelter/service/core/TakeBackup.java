package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.Facts;
import dev.shelter.runbooks.engine.Plan;
import dev.shelter.runbooks.engine.PlanPreview;
import dev.shelter.runbooks.engine.Run;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.backup.BackupPlan;
import dev.shelter.runbooks.plan.backup.BackupRun;
import dev.shelter.runbooks.plan.backup.SnapshotRoom;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.postgres.ServerInspector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Starts a backup of a cluster: checks the request and the cluster now (so a bad one is refused
 * with a clear answer), begins the backup plan (its journal holds the cluster's lock: one run per
 * cluster at a time), records the backup as running, and runs the plan in the background.
 * A dry run answers the plan's steps and targets and changes nothing.
 */
public final class TakeBackup {

    private static final Logger LOG = LoggerFactory.getLogger(TakeBackup.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    /** What was asked, as the API takes it. */
    public record Order(String mode, String label, Boolean fastCheckpoint, String confirm) {
    }

    private final ClusterRegistry clusters;
    private final ServerInspector inspector;
    private final PostgresControl postgres;
    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final FinishingRuns finishing;
    private final BackupListener listener;
    private final ExecutorService executor;
    private final Clock clock;

    public TakeBackup(ClusterRegistry clusters, ServerInspector inspector, PostgresControl postgres, BackupCatalog catalog,
                      RunbookEngine engine, BackupListener listener, ExecutorService executor, Clock clock) {
        this.clusters = clusters;
        this.inspector = inspector;
        this.postgres = postgres;
        this.catalog = catalog;
        this.engine = engine;
        this.finishing = new FinishingRuns(catalog, engine);
        this.listener = listener;
        this.executor = executor;
        this.clock = clock;
    }

    /** Returns the running backup's manifest; its progress is then read from the catalog. */
    public BackupManifest start(String clusterName, Order order) {
        ProtectedCluster cluster = clusters.require(clusterName);
        BackupMode mode = parseMode(order.mode());
        if (mode == BackupMode.OFFLINE && !clusterName.equals(order.confirm())) {
            throw new InvalidRequestException("an offline backup stops PostgreSQL of cluster '" + clusterName + "' until its "
                    + "snapshots are taken: to go ahead, send \"confirm\": \"" + clusterName + "\" (or \"dryRun\": true to see the plan)");
        }
        BackupManifest manifest = checkedRequest(cluster, mode, order);
        // A backup recorded as running holds the cluster too, even without a run (left by a Shelter before journals).
        finishing.awaitBefore(cluster.spec().name()).ifPresent(recorded -> {
            throw new ConflictException("backup " + recorded.id() + " of cluster '" + clusterName + "' is recorded as "
                    + "running; one backup at a time per cluster");
        });
        BackupRun context = BackupRun.starting(cluster, postgres, catalog, clock, manifest);
        Run<BackupRun> run = engine.begin(BackupPlan.of(mode), context, cluster.spec().name(), manifest.id().value(),
                Map.of());
        try {
            catalog.record(manifest);
        } catch (RuntimeException e) {
            engine.cancel(run.id()); // ends the run before its first step, and so frees the cluster
            engine.execute(run);
            throw e;
        }
        executor.submit(() -> {
            try {
                engine.execute(run);
            } catch (RuntimeException e) {
                LOG.error("backup {} of {} ended with an error the plan did not handle", manifest.id(), clusterName, e);
            } finally {
                catalog.find(manifest.id()).ifPresent(listener::backupEnded);
            }
        });
        return manifest;
    }

    /** The backup's plan with its targets; checks the request as {@link #start} does, and changes nothing. */
    public PlanPreview preview(String clusterName, Order order) {
        ProtectedCluster cluster = clusters.require(clusterName);
        BackupMode mode = parseMode(order.mode());
        BackupManifest manifest = checkedRequest(cluster, mode, order);
        Plan<BackupRun> plan = BackupPlan.of(mode);
        return engine.preview(plan, BackupRun.preview(cluster, postgres, clock, manifest), Facts.empty());
    }

    private BackupManifest checkedRequest(ProtectedCluster cluster, BackupMode mode, Order order) {
        String clusterName = cluster.name();
        BackupId id = BackupId.startingAt(clock.instant());
        String label = order.label() == null ? "shelter " + id : order.label();
        if (!BackupRequest.isUsableLabel(label)) {
            throw new InvalidRequestException("label must be 1-100 characters of letters, digits, space and ._:+@- "
                    + "(it is written into backup_label)");
        }
        ServerFacts facts = inspector.inspect(cluster.spec().postgres(), PROBE_TIMEOUT);
        if (facts.inRecovery() && !cluster.policy().allowStandby()) {
            throw new ConflictException("cluster '" + clusterName + "' answers as a standby (in recovery); back up the "
                    + "primary, or set backups.allowStandby for this cluster");
        }
        requireSnapshotRoom(cluster);
        return BackupManifest.running(new BackupRequest(id, cluster.spec().name(), mode, label,
                order.fastCheckpoint() == null || order.fastCheckpoint(), clock.instant()));
    }

    /**
     * A volume with no room for another snapshot refuses the backup now, with a clear answer. Only
     * that: a volume that cannot be found or counted is for the plan's LocateVolumes to report.
     */
    private static void requireSnapshotRoom(ProtectedCluster cluster) {
        try {
            SnapshotRoom.require(cluster, cluster.volumes().locate(cluster.spec().volumes()));
        } catch (ConflictException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.debug("cluster {}: the snapshots were not counted before the backup ({}); LocateVolumes checks again", cluster.name(),
                    e.toString());
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
