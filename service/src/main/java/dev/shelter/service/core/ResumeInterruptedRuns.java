package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.plan.backup.BackupPlan;
import dev.shelter.runbooks.plan.backup.BackupRun;
import dev.shelter.runbooks.plan.delete.DeleteBackupPlan;
import dev.shelter.runbooks.plan.offsite.ExportBackupPlan;
import dev.shelter.runbooks.plan.offsite.ScrubBackupPlan;
import dev.shelter.runbooks.plan.delete.DeleteRun;
import dev.shelter.runbooks.plan.restore.RestorePlan;
import dev.shelter.runbooks.postgres.PostgresControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Every run a stopped Shelter left unfinished in the journal is resumed or rolled back, as its plan
 * says: at startup, before any new run, and whenever a replica dies holding a cluster's run lease
 * (see {@link #adoptOrphans}). An interrupted backup is rolled back (its session died with that
 * Shelter): the snapshots its journal names are deleted, the server is started again after an
 * offline backup, and the backup is recorded as failed. An interrupted delete is finished, and an
 * interrupted export goes on in the background. A run
 * whose cluster's run lease a live replica holds is that replica's, and is left alone.
 */
public final class ResumeInterruptedRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ResumeInterruptedRuns.class);

    private final ClusterRegistry clusters;
    private final RunbookEngine engine;
    private final PostgresControl postgres;
    private final BackupCatalog catalog;
    private final BackupListener listener;
    private final RestoreCluster restores;
    private final ExportBackup exports;
    private final ScrubBackup scrubs;
    private final Clock clock;

    public ResumeInterruptedRuns(ClusterRegistry clusters, RunbookEngine engine, PostgresControl postgres, BackupCatalog catalog,
                                 BackupListener listener, RestoreCluster restores, ExportBackup exports, ScrubBackup scrubs,
                                 Clock clock) {
        this.clusters = clusters;
        this.engine = engine;
        this.postgres = postgres;
        this.catalog = catalog;
        this.listener = listener;
        this.restores = restores;
        this.exports = exports;
        this.scrubs = scrubs;
        this.clock = clock;
    }

    /** Returns how many unfinished runs it took over. */
    public int resume() {
        int taken = 0;
        for (RunJournal journal : engine.unfinished()) {
            if (takeOver(journal)) {
                taken++;
            }
        }
        return taken;
    }

    /**
     * Takes over the runs of the clusters whose run lease another replica let expire: it died, or
     * lost the catalog database. Cheap when nothing died: one lease read per cluster, and the
     * journals are read only for a cluster whose lease has expired.
     */
    public int adoptOrphans() {
        int taken = 0;
        for (ProtectedCluster cluster : clusters.all()) {
            ClusterName name = cluster.spec().name();
            Optional<String> other = engine.claimedElsewhere(name);
            if (other.isEmpty() || !engine.claim(name)) {
                continue; // nobody holds it (nothing left unfinished), or a live replica does
            }
            List<RunJournal> left = engine.unfinished(name);
            if (left.isEmpty()) {
                LOG.info("{} let the run lease of {} expire with no run unfinished", other.get(), name);
                engine.unclaim(name);
                continue;
            }
            LOG.warn("{} let the run lease of {} expire with {} run(s) unfinished: this replica takes them over", other.get(), name,
                    left.size());
            for (RunJournal journal : left) {
                if (takeOver(journal)) {
                    taken++;
                }
            }
        }
        return taken;
    }

    private boolean takeOver(RunJournal journal) {
        if (engine.active(journal.id()).isPresent()) {
            return false; // this replica executes it
        }
        Optional<ProtectedCluster> cluster = clusters.find(journal.cluster().value());
        if (cluster.isEmpty()) {
            LOG.error("run {} ({} of {}) is unfinished, but cluster {} is no longer configured; it stays as it is",
                    journal.id(), journal.plan(), journal.subject(), journal.cluster());
            return false;
        }
        if (!engine.claim(journal.cluster())) {
            LOG.info("run {} ({} of {} on {}) is held by {}, a live replica; it is left to it", journal.id(), journal.plan(),
                    journal.subject(), journal.cluster(), engine.claimedElsewhere(journal.cluster()).orElse("another replica"));
            return false;
        }
        LOG.warn("run {} ({} of {} on {}) was interrupted at {}; resuming it as its plan says", journal.id(), journal.plan(),
                journal.subject(), journal.cluster(), journal.currentStep());
        if (!resume(journal, cluster.get())) {
            LOG.error("run {} names plan {}, which this Shelter does not know; it stays as it is", journal.id(), journal.plan());
            engine.unclaim(journal.cluster());
            return false;
        }
        return true;
    }

    private boolean resume(RunJournal journal, ProtectedCluster cluster) {
        if (RestorePlan.named(journal.plan()).isPresent()) {
            restores.resume(journal, cluster);
            return true;
        }
        BackupId subject = new BackupId(journal.subject());
        Optional<RunJournal> ended = BackupPlan.named(journal.plan())
                .map(plan -> engine.resume(journal, plan, new BackupRun(cluster, postgres, catalog, clock, subject)));
        if (ended.isPresent()) {
            catalog.find(subject).ifPresent(listener::backupEnded);
            return true;
        }
        if (journal.plan().equals(ExportBackupPlan.NAME)) {
            exports.resume(journal, cluster);
            return true;
        }
        if (journal.plan().equals(ScrubBackupPlan.NAME)) {
            scrubs.resume(journal, cluster);
            return true;
        }
        if (journal.plan().equals(DeleteBackupPlan.NAME)) {
            engine.resume(journal, DeleteBackupPlan.create(), new DeleteRun(cluster, catalog, clock, subject));
            return true;
        }
        return false;
    }
}
