package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.engine.RunbookEngine;

import java.time.Duration;

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

    void awaitBefore(ClusterName cluster) {
        if (catalog.inState(BackupState.RUNNING).stream().anyMatch(m -> m.cluster().equals(cluster))) {
            return;
        }
        try {
            engine.awaitIdle(cluster, FINISHING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
