package dev.shelter.runbooks.plan.backup;

import dev.shelter.runbooks.engine.Step;

import java.util.List;

/**
 * A clean stop: the snapshots hold a shut-down cluster that needs no WAL. The volumes are located
 * while the server still runs (a stopped cluster has no members to follow).
 */
final class OfflineCleanStop implements ConsistentPoint {

    @Override
    public List<Step<BackupRun>> steps() {
        return List.of(new LocateVolumes(), new RecordServer(), new StopServer(), new ReadShutdownCheckpoint(),
                new CreateSnapshots(), new StartServer());
    }
}
