package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;

/**
 * Stops and starts a cluster's PostgreSQL through its target: pg_ctl in local mode, the
 * StatefulSet's scale on Kubernetes. Both calls wait until done and are idempotent.
 */
public interface ServerController {

    /** What pg_control says after a clean shutdown: the consistent point an offline snapshot holds. */
    record ShutdownCheckpoint(Lsn checkpoint, Timeline timeline, SystemIdentifier systemIdentifier) {
    }

    /** A fast, clean shutdown (sessions rolled back, checkpoint written). */
    void stopCleanly();

    void start();

    boolean isRunning();

    /** Refuses unless pg_control says the server was shut down cleanly. */
    ShutdownCheckpoint readShutdownCheckpoint();
}
