package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;

import java.util.Map;

/**
 * The port of a restore into a new cluster (DESIGN.md section 4): the copy's volumes, cloned from a
 * backup's snapshots beside the source and configured to run as a cluster of their own. Locally a
 * new data directory and port; on Kubernetes claims of a new StatefulSet in another namespace. The
 * source's volumes are only read (through their snapshots). Every change is idempotent and
 * observable, for a resumed restore and for a teardown after a crash.
 */
public interface NewClusterPlacement {

    /** Refuses, before anything changes, a backup this placement cannot copy, or a place already taken. */
    void requirePlaceable(BackupManifest backup);

    /** True once every volume of the copy exists whole (a clone cut short by a crash is not one). */
    boolean isCloned();

    /** Clones each snapshot of the backup into the copy's volume, skipping those already there. */
    void cloneFrom(BackupManifest backup);

    /**
     * Makes each clone of the backup's snapshots stand on its own (RBD: flatten; a local copy does
     * already), so that the backup can be deleted whatever becomes of the new cluster. Idempotent.
     */
    void detachFrom(BackupManifest backup);

    /** True once {@link #configure} has run on the copy's volumes. */
    boolean isConfigured();

    /**
     * Makes the copy a cluster of its own before it first starts: its own name, port and
     * archive_command, and nothing left that would tie it to the source's server (its pid file,
     * its replication slots, which would keep WAL forever).
     */
    void configure(String clusterName, String archiveCommand);

    /** True while any volume of the copy (or a partial clone) is left. */
    boolean exists();

    /** Removes the copy's volumes, whole or partial; its server must be stopped. Removing nothing is not an error. */
    void remove();

    /** How a client reaches the copy, for the restore's answer: host, port, jdbcUrl, and where it lives. */
    Map<String, String> reach();

    /** For logs and plans: where the copy is. */
    String describe();
}
