package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.engine.Step;

import java.util.List;

/**
 * Backup mode held in one session around the snapshots, and nothing else inside it. The volumes
 * are located after the session opened (it is pinned to the server it reached: a failover ends it,
 * and the backup with it) and before backup mode begins, so their lookup is not paid inside it.
 * Done means restorable: the WAL through the stop LSN is then awaited, outside backup mode.
 */
final class OnlineBackupMode implements ConsistentPoint {

    @Override
    public List<Step<BackupRun>> steps() {
        return List.of(new OpenBackupSession(), new LocateVolumes(), new SnapshotInBackupMode(), new AwaitWalArchived());
    }
}
