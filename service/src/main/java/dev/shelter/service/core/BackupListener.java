package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;

/** Told when a backup ends: metrics, and the events on the cluster's own object. */
public interface BackupListener {

    void backupEnded(BackupManifest manifest);

    /** Tells each, in order; one that throws does not keep the others from hearing. */
    static BackupListener all(BackupListener... listeners) {
        return manifest -> {
            RuntimeException first = null;
            for (BackupListener listener : listeners) {
                try {
                    listener.backupEnded(manifest);
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        };
    }
}
