package dev.shelter.runbooks.cluster;

/** A user's action before or after a backup (SQL statement or HTTP call), bounded by its own timeout. */
public interface BackupHook {

    /** Throws if the hook fails or times out. */
    void run();

    String describe();
}
