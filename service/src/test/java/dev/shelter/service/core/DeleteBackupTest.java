package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BlobJournalStore;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.InMemoryBackupIndex;
import dev.shelter.runbooks.catalog.JournalCodec;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.local.LocalClusterControl;
import dev.shelter.service.wal.PlainWalArchive;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotter;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deleting a backup on the local-directory snapshotter: refusals come before anything is deleted. */
class DeleteBackupTest {

    private static final PostgresEndpoint PG = new PostgresEndpoint("jdbc:postgresql://127.0.0.1:1/postgres", "postgres", "unused");

    @TempDir
    Path work;
    private FsBlobStore blobs;
    private LocalDirSnapshotter snapshotter;
    private BackupCatalog catalog;
    private Path data;
    private Path tablespace;
    private DeleteBackup deleteBackup;

    @BeforeEach
    void openCluster() throws Exception {
        data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        tablespace = Files.createDirectories(work.resolve("tablespace"));
        Files.writeString(tablespace.resolve("PG_15_202209061"), "");
        blobs = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("store")));
        snapshotter = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(work.resolve("snapshots")));
        catalog = new BackupCatalog(new BlobManifestStore(blobs, new ManifestCodec()), new InMemoryBackupIndex());
        ClusterSpec spec = new ClusterSpec(new ClusterName("main"), new LocalTarget(data, work.resolve("bin"), "postgres"), PG,
                List.of(new VolumeSpec(VolumeRole.PGDATA, null, data.toString()),
                        new VolumeSpec(VolumeRole.TABLESPACE, "fast", tablespace.toString())));
        ProtectedCluster cluster = new ProtectedCluster(spec, new LocalClusterControl("main", (LocalTarget) spec.target(), spec.volumes(),
                    work.resolve("shelter-state")), snapshotter, new PlainWalArchive(blobs, "wal/"), List.of(), List.of(),
                new ProtectedCluster.BackupPolicy(false, Duration.ofSeconds(60), Optional.empty()));
        deleteBackup = new DeleteBackup(new ClusterRegistry(List.of(cluster)), catalog,
                new RunbookEngine(new BlobJournalStore(blobs, new JournalCodec()), Clock.systemUTC(), "delete-backup-test"), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        snapshotter.close();
        blobs.close();
    }

    @Test
    void aBackupWhoseVolumeIsGoneIsRefusedAndNothingIsDeleted() throws Exception {
        BackupManifest completed = completedBackup();
        SnapshotRef ofData = new SnapshotRef(data.toString(), completed.id().snapshotName());
        Files.delete(tablespace.resolve("PG_15_202209061"));
        Files.delete(tablespace);

        ConflictException refused = assertThrows(ConflictException.class, () -> deleteBackup.delete(completed.id().value()));

        assertTrue(refused.getMessage().contains(tablespace.toString()) && refused.getMessage().contains("nothing was deleted"),
                refused.getMessage());
        assertTrue(snapshotter.exists(ofData), "the snapshot of the volume that is there is kept");
        assertEquals(BackupState.COMPLETED, catalog.find(completed.id()).orElseThrow().state());
    }

    @Test
    void deletingTwiceAnswersTheTombstoneBothTimes() throws Exception {
        BackupManifest completed = completedBackup();

        BackupManifest first = deleteBackup.delete(completed.id().value());
        BackupManifest second = deleteBackup.delete(completed.id().value());

        assertEquals(BackupState.DELETED, first.state());
        assertEquals(first, second);
        assertEquals(List.of(), second.snapshots());
        assertTrue(!snapshotter.exists(new SnapshotRef(data.toString(), completed.id().snapshotName())));
    }

    private BackupManifest completedBackup() {
        BackupId id = new BackupId("20261129T120000Z-abcdef");
        BackupManifest running = BackupManifest.running(new BackupRequest(id, new ClusterName("main"), BackupMode.OFFLINE, "to delete",
                true, Instant.parse("2026-11-29T12:00:00Z")));
        SnapshotRef ofData = snapshotter.createSnapshot(data.toString(), id.snapshotName());
        SnapshotRef ofTablespace = snapshotter.createSnapshot(tablespace.toString(), id.snapshotName());
        Instant at = Instant.parse("2026-11-29T12:00:00Z");
        BackupManifest completed = running
                .withServer(new ServerIdentity(150010, SystemIdentifier.parse("7301234567890123456"), 16L << 20), 1L << 20)
                .withWindow(new BackupModeWindow(Lsn.parse("0/3000028"), Lsn.parse("0/3000100"), new Timeline(1), "", "",
                        at.plusMillis(200), at.plusMillis(900)))
                .withSnapshots(List.of(
                        new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", ofData),
                        new VolumeSnapshot(VolumeRole.TABLESPACE, "fast", ofTablespace)))
                .completed(Instant.parse("2026-11-29T12:00:05Z"));
        catalog.record(completed);
        return completed;
    }
}
