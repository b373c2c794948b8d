package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.storage.snapshot.SnapshotRef;

import java.time.Instant;
import java.util.List;

/** Backup manifests as the backup runbook leaves them, for the restore checks. */
final class Backups {

    static final ServerIdentity SERVER = new ServerIdentity(150000, SystemIdentifier.parse("7312345678901234567"),
            InMemoryWalArchive.SEGMENT_BYTES);

    private Backups() {
    }

    /** A running backup that has its server and window but never completed. */
    static BackupManifest stopped(String id, String startLsn, String stopLsn, long timeline, String startedAt, String endedAt) {
        BackupId backupId = new BackupId(id);
        Instant started = Instant.parse(startedAt);
        return BackupManifest.running(new BackupRequest(backupId, new ClusterName("main"), BackupMode.ONLINE, "nightly", true, started))
                .withServer(SERVER, 0)
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata",
                        new SnapshotRef("/var/lib/postgresql/15/main", backupId.snapshotName()))))
                .withWindow(new BackupModeWindow(Lsn.parse(startLsn), Lsn.parse(stopLsn), new Timeline(timeline), "label", "",
                        started, Instant.parse(endedAt)));
    }

    static BackupManifest completed(String id, String startLsn, String stopLsn, long timeline, String startedAt, String endedAt) {
        BackupManifest stopped = stopped(id, startLsn, stopLsn, timeline, startedAt, endedAt);
        return stopped.completed(stopped.window().endedAt().plusSeconds(5));
    }
}
