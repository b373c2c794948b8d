package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.Run;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.offsite.ExportBackupPlan;
import dev.shelter.runbooks.plan.offsite.ExportRun;
import dev.shelter.runbooks.plan.offsite.ExportSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Copies a completed backup into the off-site repository, in the background: the plan
 * {@code export-backup}, journaled, resumed after a crash without sending a chunk twice. Asking
 * for a backup that has its copy answers it as it is.
 */
public final class ExportBackup {

    private static final Logger LOG = LoggerFactory.getLogger(ExportBackup.class);

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final OffsiteAccess offsite;
    private final OffsiteFailures failures;
    private final ExportSettings settings;
    private final ExecutorService executor;
    private final Clock clock;

    /** Without an off-site repository every export is refused, saying so. */
    public ExportBackup(ClusterRegistry clusters, BackupCatalog catalog, RunbookEngine engine, OffsiteAccess offsite,
                        OffsiteFailures failures, ExportSettings settings, ExecutorService executor, Clock clock) {
        this.clusters = clusters;
        this.catalog = catalog;
        this.engine = engine;
        this.offsite = offsite;
        this.failures = failures;
        this.settings = settings;
        this.executor = executor;
        this.clock = clock;
    }

    /** Starts the export; the backup as it is when it has its copy already. */
    public BackupManifest start(String id) {
        BackupManifest manifest = ShowBackups.requireKnown(catalog, id);
        if (manifest.offsite() != null) {
            return manifest;
        }
        if (manifest.state() != BackupState.COMPLETED) {
            throw new ConflictException("backup " + id + " is " + manifest.state().name().toLowerCase(java.util.Locale.ROOT)
                    + ": only a completed backup is copied off site");
        }
        ProtectedCluster cluster = clusters.find(manifest.cluster().value()).orElseThrow(() -> new ConflictException("backup " + id
                + " belongs to cluster '" + manifest.cluster() + "', which is no longer configured; Shelter cannot reach its snapshots"));
        Run<ExportRun> run = engine.begin(ExportBackupPlan.create(), context(cluster, manifest), cluster.spec().name(), id, Map.of());
        executor.submit(() -> {
            try {
                failures.ended(id, engine.execute(run));
            } catch (RuntimeException e) {
                LOG.error("export of backup {} ended with an error the plan did not handle", id, e);
            }
        });
        return manifest;
    }

    /** An export a stopped Shelter left unfinished goes on, in the background. */
    public void resume(RunJournal journal, ProtectedCluster cluster) {
        BackupManifest manifest = ShowBackups.requireKnown(catalog, journal.subject());
        ExportRun context = context(cluster, manifest);
        executor.submit(() -> {
            try {
                failures.ended(journal.subject(), engine.resume(journal, ExportBackupPlan.create(), context));
            } catch (RuntimeException e) {
                LOG.error("export {} of backup {} could not be resumed", journal.id(), journal.subject(), e);
            }
        });
    }

    private ExportRun context(ProtectedCluster cluster, BackupManifest manifest) {
        return new ExportRun(cluster, catalog, offsite.open(), settings, clock, manifest.id());
    }
}
