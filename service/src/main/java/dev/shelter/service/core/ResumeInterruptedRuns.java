package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.plan.backup.BackupPlan;
import dev.shelter.runbooks.plan.backup.BackupRun;
import dev.shelter.runbooks.plan.delete.DeleteBackupPlan;
import dev.shelter.runbooks.plan.delete.DeleteRun;
import dev.shelter.runbooks.plan.restore.RestorePlan;
import dev.shelter.runbooks.postgres.PostgresControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/**
 * At startup, before any new run: every run a stopped Shelter left unfinished in the journal is
 * resumed or rolled back, as its plan says. An interrupted backup is rolled back (its session
 * died with that Shelter): the snapshots its journal names are deleted, the server is started
 * again after an offline backup, and the backup is recorded as failed. An interrupted delete is
 * finished. Assumes one Shelter instance per object store (HA replicas come with the clustered
 * scheduler).
 */
public final class ResumeInterruptedRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ResumeInterruptedRuns.class);

    private final ClusterRegistry clusters;
    private final RunbookEngine engine;
    private final PostgresControl postgres;
    private final BackupCatalog catalog;
    private final BackupListener listener;
    private final RestoreCluster restores;
    private final Clock clock;

    public ResumeInterruptedRuns(ClusterRegistry clusters, RunbookEngine engine, PostgresControl postgres, BackupCatalog catalog,
                                 BackupListener listener, RestoreCluster restores, Clock clock) {
        this.clusters = clusters;
        this.engine = engine;
        this.postgres = postgres;
        this.catalog = catalog;
        this.listener = listener;
        this.restores = restores;
        this.clock = clock;
    }

    /** Returns how many runs it found unfinished. */
    public int resume() {
        int found = 0;
        for (RunJournal journal : engine.unfinished()) {
            found++;
            Optional<ProtectedCluster> cluster = clusters.find(journal.cluster().value());
            if (cluster.isEmpty()) {
                LOG.error("run {} ({} of {}) is unfinished, but cluster {} is no longer configured; it stays as it is",
                        journal.id(), journal.plan(), journal.subject(), journal.cluster());
                continue;
            }
            LOG.warn("run {} ({} of {} on {}) was interrupted at {}; resuming it as its plan says", journal.id(), journal.plan(),
                    journal.subject(), journal.cluster(), journal.currentStep());
            if (!resume(journal, cluster.get())) {
                LOG.error("run {} names plan {}, which this Shelter does not know; it stays as it is", journal.id(), journal.plan());
            }
        }
        return found;
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
        if (journal.plan().equals(DeleteBackupPlan.NAME)) {
            engine.resume(journal, DeleteBackupPlan.create(), new DeleteRun(cluster, catalog, clock, subject));
            return true;
        }
        return false;
    }
}
