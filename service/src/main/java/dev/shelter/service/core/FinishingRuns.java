package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.plan.backup.BackupPlan;
import dev.shelter.runbooks.plan.delete.DeleteBackupPlan;

import java.time.Duration;
import java.util.Optional;

/**
 * A backup's run ends just after the backup does (its post-hooks, the journal's last writes): a
 * caller that saw the backup end and asks for the next run at once should wait that moment out,
 * not get "busy". With no backup of the cluster recorded as running, a run still holding the
 * cluster is only finishing; it is waited for, at most a minute. A run that holds on longer
 * still answers 409 through the engine's lock.
 */
final class FinishingRuns {

    private static final Duration FINISHING = Duration.ofSeconds(60);

    private final BackupCatalog catalog;
    private final RunbookEngine engine;

    FinishingRuns(BackupCatalog catalog, RunbookEngine engine) {
        this.catalog = catalog;
        this.engine = engine;
    }

    /**
     * Waits out a run of {@code cluster} that is only finishing; returns, without waiting, the
     * backup of the cluster recorded as running, if there is one (its run is not finishing).
     */
    Optional<BackupManifest> awaitBefore(ClusterName cluster) {
        Optional<BackupManifest> running = catalog.inState(BackupState.RUNNING).stream()
                .filter(m -> m.cluster().equals(cluster)).findFirst();
        if (running.isPresent()) {
            return running;
        }
        // Only a backup's or a delete's run is "finishing" once no backup runs; a restore holds the cluster until it ends.
        boolean finishing = engine.runningOn(cluster)
                .map(run -> BackupPlan.named(run.plan()).isPresent() || run.plan().equals(DeleteBackupPlan.NAME)).orElse(false);
        if (!finishing) {
            return Optional.empty();
        }
        try {
            engine.awaitIdle(cluster, FINISHING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }
}
