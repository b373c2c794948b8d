package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.engine.Step;

import java.util.List;

/**
 * Backup mode held in one session around the snapshots; the volumes are located inside it, so a
 * failover before the session opened cannot send the snapshots to the old primary's volumes.
 */
final class OnlineBackupMode implements ConsistentPoint {

    @Override
    public List<Step<BackupRun>> reach() {
        return List.of(new OpenBackupSession(), new BeginBackupMode(), new LocateVolumes());
    }

    @Override
    public List<Step<BackupRun>> leave() {
        return List.of(new EndBackupMode(), new AwaitWalArchived());
    }
}
