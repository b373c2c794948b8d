package dev.shelter.runbooks.plan.delete;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.cluster.ProtectedCluster;

import java.time.Clock;

/** What the steps of one backup's deletion share. The manifest keeps its snapshot list until the tombstone replaces it. */
public final class DeleteRun {

    private final ProtectedCluster cluster;
    private final BackupCatalog catalog;
    private final Clock clock;
    private final BackupId id;

    public DeleteRun(ProtectedCluster cluster, BackupCatalog catalog, Clock clock, BackupId id) {
        this.cluster = cluster;
        this.catalog = catalog;
        this.clock = clock;
        this.id = id;
    }

    ProtectedCluster cluster() {
        return cluster;
    }

    BackupId id() {
        return id;
    }

    Clock clock() {
        return clock;
    }

    BackupManifest manifest() {
        return catalog.find(id).orElseThrow(() -> new IllegalStateException("backup " + id + " has no manifest in the catalog"));
    }

    void record(BackupManifest manifest) {
        catalog.record(manifest);
    }
}
