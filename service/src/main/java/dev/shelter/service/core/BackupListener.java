package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;

/** Told when a backup ends, for metrics. */
public interface BackupListener {

    void backupEnded(BackupManifest manifest);
}
