package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupProtection;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.plan.delete.DeleteBackupPlan;
import dev.shelter.storage.blob.KeyLocks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Protects a completed backup, so that retention keeps it and a delete is refused, or takes the
 * protection off. Both are idempotent. A change is made holding the backup's lock (no delete of it
 * runs in this Shelter meanwhile) and the cluster's run lease (none runs on another replica: the
 * delete plan looks at the protection again with that lease held). A delete of the backup that a
 * crash left unfinished is finished first, never overtaken.
 */
public final class ProtectBackup {

    private static final Logger LOG = LoggerFactory.getLogger(ProtectBackup.class);

    private final BackupCatalog catalog;
    private final RunbookEngine engine;
    private final KeyLocks backupLocks;
    private final Clock clock;

    public ProtectBackup(BackupCatalog catalog, RunbookEngine engine, DeleteBackup deleteBackup, Clock clock) {
        this.catalog = catalog;
        this.engine = engine;
        this.backupLocks = deleteBackup.backupLocks();
        this.clock = clock;
    }

    /** Protects the backup with {@code reason}; protected already, it keeps the time it was first protected. */
    public BackupManifest protect(String id, String reason) {
        if (!BackupProtection.isUsableReason(reason)) {
            throw new InvalidRequestException("reason must be 1-200 characters of letters, digits, space and ._:;,+@()'/#-, "
                    + "saying why the backup must stay");
        }
        return change(id, true, manifest -> manifest.protectedBy(new BackupProtection(reason,
                manifest.hasProtection() ? manifest.protection().since() : clock.instant().truncatedTo(ChronoUnit.MILLIS))));
    }

    /** Takes the protection off; a backup without one is answered as it is. */
    public BackupManifest unprotect(String id) {
        return change(id, false, BackupManifest::unprotected);
    }

    private BackupManifest change(String id, boolean protecting, UnaryOperator<BackupManifest> change) {
        ShowBackups.requireKnown(catalog, id);
        try (KeyLocks.Held held = backupLocks.lock(id)) {
            BackupManifest manifest = ShowBackups.requireKnown(catalog, id);
            if (!protecting && !manifest.hasProtection()) {
                return manifest;
            }
            requireCompleted(manifest);
            ClusterName cluster = manifest.cluster();
            Optional<String> elsewhere = engine.claimedElsewhere(cluster);
            if (elsewhere.isPresent() || !engine.claim(cluster)) {
                throw new ConflictException("cluster '" + cluster + "' is busy: " + elsewhere.orElse("another replica")
                        + " holds its runs (a backup, a restore or a delete); try again once it has finished");
            }
            try {
                Optional<RunJournal> interruptedDelete = engine.unfinished(cluster).stream()
                        .filter(journal -> journal.plan().equals(DeleteBackupPlan.NAME) && journal.subject().equals(id)).findFirst();
                if (interruptedDelete.isPresent()) {
                    throw new ConflictException("backup " + id + " has an unfinished delete (run " + interruptedDelete.get().id()
                            + "), which is finished before anything else; its protection cannot change");
                }
                BackupManifest current = ShowBackups.requireKnown(catalog, id); // as it is now that the lease is held
                requireCompleted(current);
                BackupManifest changed = change.apply(current);
                if (!changed.equals(current)) {
                    catalog.record(changed);
                    LOG.info("backup {} of {}: {}", id, cluster, changed.hasProtection()
                            ? "protected (" + changed.protection().reason() + ")" : "protection removed");
                }
                return changed;
            } finally {
                engine.unclaim(cluster);
            }
        }
    }

    private static void requireCompleted(BackupManifest manifest) {
        if (manifest.state() == BackupState.RUNNING) {
            throw new ConflictException("backup " + manifest.id() + " is running: it can be protected once it has completed");
        }
        if (manifest.state() != BackupState.COMPLETED) {
            throw new ConflictException("backup " + manifest.id() + " is " + manifest.state().name().toLowerCase(Locale.ROOT)
                    + ": only a completed backup can be protected");
        }
    }
}
