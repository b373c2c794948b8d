package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.engine.Step;

import java.util.List;

/**
 * How a backup holds its data still while the snapshots are taken (CloudNativePG's
 * prepare/finalize shape): backup mode in one session ({@link OnlineBackupMode}) or a clean stop
 * ({@link OfflineCleanStop}). Each one locates the volumes where that is safe for it.
 */
interface ConsistentPoint {

    /** From locating the volumes to a set of snapshots that restores on its own. */
    List<Step<BackupRun>> steps();
}
