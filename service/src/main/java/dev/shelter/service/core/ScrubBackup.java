package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.OffsiteScrub;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.Run;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.offsite.ExportRun;
import dev.shelter.runbooks.plan.offsite.ExportSettings;
import dev.shelter.runbooks.plan.offsite.ScrubBackupPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * Reads a backup's off-site copy back, in the background: the plan {@code scrub-backup}, which
 * checks a sample (or all) of its chunks against their names and records the verdict in the
 * backup's manifest, shown as its off-site state {@code verified} or {@code corrupt}.
 */
public final class ScrubBackup {

    private static final Logger LOG = LoggerFactory.getLogger(ScrubBackup.class);
    /** A scrub reads; it uploads nothing. */
    private static final ExportSettings READ_ONLY = new ExportSettings(1, 0, 0);

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final OffsiteAccess offsite;
    private final OffsiteFailures failures;
    private final ExecutorService executor;
    private final Clock clock;

    public ScrubBackup(ClusterRegistry clusters, BackupCatalog catalog, RunbookEngine engine, OffsiteAccess offsite,
                       OffsiteFailures failures, ExecutorService executor, Clock clock) {
        this.clusters = clusters;
        this.catalog = catalog;
        this.engine = engine;
        this.offsite = offsite;
        this.failures = failures;
        this.executor = executor;
        this.clock = clock;
    }

    /** Starts the scrub of {@code samplePercent} (0 to 100; null: all) of the copy's chunks. */
    public BackupManifest start(String id, Double samplePercent) {
        double percent = samplePercent == null ? 100 : samplePercent;
        if (!(percent >= 0 && percent <= 100)) {
            throw new InvalidRequestException("sample is the share of the chunks read back, 0 to 100, not " + samplePercent);
        }
        BackupManifest manifest = ShowBackups.requireKnown(catalog, id);
        if (manifest.offsite() == null) {
            throw new ConflictException("backup " + id + " has no off-site copy to scrub: export it first (POST /api/v1/backups/" + id
                    + "/export)");
        }
        ProtectedCluster cluster = clusters.find(manifest.cluster().value()).orElseThrow(() -> new ConflictException("backup " + id
                + " belongs to cluster '" + manifest.cluster() + "', which is no longer configured"));
        Run<ExportRun> run = engine.begin(ScrubBackupPlan.create(), context(cluster, manifest), cluster.spec().name(), id,
                Map.of(ScrubBackupPlan.SAMPLE_PERCENT, Double.toString(percent)));
        executor.submit(() -> {
            try {
                failures.ended(id, engine.execute(run));
            } catch (RuntimeException e) {
                LOG.error("scrub of backup {} ended with an error the plan did not handle", id, e);
            }
        });
        return manifest;
    }

    /**
     * Scrubs slice {@code index} of {@code of} of the copy of each exported backup of the cluster,
     * one after the other, here and now (a scheduled deep scrub: a daily one reads every chunk
     * within {@code of} days). Says what it found; 409 while the cluster has a run going.
     */
    public String scrubSlice(String clusterName, int index, int of) {
        ProtectedCluster cluster = clusters.require(clusterName);
        List<BackupManifest> exported = catalog.list(cluster.spec().name(), Optional.of(BackupState.COMPLETED), 0, Integer.MAX_VALUE)
                .items().stream().filter(manifest -> manifest.offsite() != null).toList();
        int verified = 0;
        List<String> corrupt = new ArrayList<>();
        for (BackupManifest manifest : exported) {
            Run<ExportRun> run = engine.begin(ScrubBackupPlan.create(), context(cluster, manifest), cluster.spec().name(),
                    manifest.id().value(), Map.of(ScrubBackupPlan.SLICE, index + " of " + of,
                            ScrubBackupPlan.SAMPLE_PERCENT, Double.toString(100.0 / of)));
            failures.ended(manifest.id().value(), engine.execute(run));
            OffsiteScrub scrub = catalog.find(manifest.id()).map(BackupManifest::offsite).map(copy -> copy.lastScrub()).orElse(null);
            if (scrub != null && scrub.isSound()) {
                verified++;
            } else {
                corrupt.add(manifest.id().value());
            }
        }
        return "slice " + index + " of " + of + " of " + exported.size() + " exported backup(s): " + verified + " verified"
                + (corrupt.isEmpty() ? "" : ", CORRUPT or unfinished: " + String.join(", ", corrupt));
    }

    /** A scrub a stopped Shelter left unfinished goes on, in the background. */
    public void resume(RunJournal journal, ProtectedCluster cluster) {
        BackupManifest manifest = ShowBackups.requireKnown(catalog, journal.subject());
        ExportRun context = context(cluster, manifest);
        executor.submit(() -> {
            try {
                failures.ended(journal.subject(), engine.resume(journal, ScrubBackupPlan.create(), context));
            } catch (RuntimeException e) {
                LOG.error("scrub {} of backup {} could not be resumed", journal.id(), journal.subject(), e);
            }
        });
    }

    private ExportRun context(ProtectedCluster cluster, BackupManifest manifest) {
        return new ExportRun(cluster, catalog, offsite.open(), READ_ONLY, clock, manifest.id());
    }
}
