package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.scheduler.Fire;
import dev.shelter.scheduler.FireOutcome;
import dev.shelter.scheduler.ScheduledWork;

/**
 * A backup schedule's fire: it starts a backup as the API would; a cluster held by another
 * run (a restore, a backup still going) skips the fire with that run named, and the skip is recorded.
 */
public final class ScheduledBackup implements ScheduledWork {

    private final TakeBackup takeBackup;

    public ScheduledBackup(TakeBackup takeBackup) {
        this.takeBackup = takeBackup;
    }

    @Override
    public FireOutcome perform(Fire fire) {
        String cluster = fire.schedule().cluster();
        String mode = fire.schedule().parameters().getOrDefault("mode", "online");
        String label = fire.schedule().parameters().getOrDefault("label", "scheduled " + fire.schedule().id());
        try {
            // The schedule's creation was confirmed for an offline backup; each fire carries that confirmation.
            BackupManifest started = takeBackup.start(cluster, new TakeBackup.Order(mode, label, true, cluster));
            return FireOutcome.ran("backup " + started.id().value() + " started");
        } catch (ConflictException | UnknownClusterException e) {
            return FireOutcome.skipped(e.getMessage());
        }
    }
}
