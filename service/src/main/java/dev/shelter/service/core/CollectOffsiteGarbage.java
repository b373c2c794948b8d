package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.plan.offsite.ExportBackupPlan;
import dev.shelter.storage.offsite.GarbageCollection;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Collects the off-site repository's garbage: the copies of backups that are deleted (or whose
 * manifest is gone from the store), then, after the grace period, the chunks no copy needs. Which
 * backups are kept is read from the manifests in the object store, not from the index, so an index
 * still catching up after a start never makes a kept backup's copy look dead. Exports in flight, on
 * any replica, are read from the unfinished journals.
 */
public final class CollectOffsiteGarbage {

    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final OffsiteAccess offsite;
    private final Duration grace;
    private final Clock clock;

    public CollectOffsiteGarbage(BackupCatalog catalog, RunbookEngine engine, OffsiteAccess offsite, Duration grace, Clock clock) {
        this.catalog = catalog;
        this.engine = engine;
        this.offsite = offsite;
        this.grace = grace;
        this.clock = clock;
    }

    /** What was (or with {@code dryRun} would be) removed; 409 without a repository. */
    public GarbageCollection.Report collect(boolean dryRun) {
        GarbageCollection collection = offsite.open().garbageCollection();
        Set<String> kept = catalog.listStored().stream().filter(manifest -> manifest.state() != BackupState.DELETED)
                .map(BackupManifest::id).map(id -> id.value()).collect(Collectors.toSet());
        return collection.collect(kept::contains, this::exportInFlight, clock.instant(), grace, dryRun);
    }

    public Duration grace() {
        return grace;
    }

    private boolean exportInFlight() {
        return engine.unfinished().stream().anyMatch(journal -> journal.plan().equals(ExportBackupPlan.NAME));
    }
}
