package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupProtection;
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
import dev.shelter.runbooks.catalog.InMemoryLeases;
import dev.shelter.runbooks.catalog.JournalCodec;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunState;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.local.LocalClusterControl;
import dev.shelter.runbooks.plan.delete.DeleteBackupPlan;
import dev.shelter.runbooks.plan.delete.DeleteRun;
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
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deleting and protecting a backup on the local-directory snapshotter: refusals come before
 * anything is deleted, and a protected backup is never deleted.
 */
class DeleteBackupTest {

    private static final PostgresEndpoint PG = new PostgresEndpoint("jdbc:postgresql://127.0.0.1:1/postgres", "postgres", "unused");

    @TempDir
    Path work;
    private FsBlobStore blobs;
    private LocalDirSnapshotter snapshotter;
    private BackupCatalog catalog;
    private Path data;
    private Path tablespace;
    private ProtectedCluster cluster;
    private RunbookEngine engine;
    private DeleteBackup deleteBackup;
    private ProtectBackup protectBackup;
    private final InMemoryLeases leases = new InMemoryLeases(Clock.systemUTC());

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
        cluster = new ProtectedCluster(spec, new LocalClusterControl("main", (LocalTarget) spec.target(), spec.volumes(),
                    work.resolve("shelter-state")), snapshotter, new PlainWalArchive(blobs, "wal/"), List.of(), List.of(),
                new ProtectedCluster.BackupPolicy(false, Duration.ofSeconds(60), Optional.empty()));
        engine = new RunbookEngine(new BlobJournalStore(blobs, new JournalCodec()), Clock.systemUTC(), "delete-backup-test", leases,
                Duration.ofSeconds(30));
        deleteBackup = new DeleteBackup(new ClusterRegistry(List.of(cluster)), catalog, engine, Clock.systemUTC());
        protectBackup = new ProtectBackup(catalog, engine, deleteBackup, Clock.systemUTC());
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

    @Test
    void aProtectedBackupIsRefusedWholeUntilItsProtectionIsOff() throws Exception {
        BackupManifest completed = completedBackup();
        String id = completed.id().value();
        SnapshotRef ofData = new SnapshotRef(data.toString(), completed.id().snapshotName());

        BackupManifest guarded = protectBackup.protect(id, "before the upgrade");
        BackupManifest again = protectBackup.protect(id, "before the upgrade to 16");
        ConflictException refused = assertThrows(ConflictException.class, () -> deleteBackup.delete(id));

        assertTrue(refused.getMessage().contains("is protected (before the upgrade to 16"), refused.getMessage());
        assertEquals(guarded.protection().since(), again.protection().since(), "protected again, it is protected since the first time");
        assertEquals(again, catalog.find(completed.id()).orElseThrow());
        assertTrue(snapshotter.exists(ofData), "nothing of a protected backup is deleted");

        BackupManifest unguarded = protectBackup.unprotect(id);
        assertEquals(unguarded, protectBackup.unprotect(id), "taking a protection off twice is no error");
        assertEquals(completed, unguarded);
        assertEquals(BackupState.DELETED, deleteBackup.delete(id).state());
        assertFalse(snapshotter.exists(ofData));
        assertEquals(BackupState.DELETED, protectBackup.unprotect(id).state(), "a deleted backup has no protection to take off");
    }

    @Test
    void onlyACompletedBackupIsProtectedAndOnlyForAReason() {
        BackupManifest running = BackupManifest.running(new BackupRequest(new BackupId("20261129T130000Z-123456"), new ClusterName("main"),
                BackupMode.ONLINE, "running", true, Instant.parse("2026-11-29T13:00:00Z")));
        catalog.record(running);
        String completed = completedBackup().id().value();

        assertTrue(assertThrows(ConflictException.class, () -> protectBackup.protect(running.id().value(), "keep"))
                .getMessage().contains("once it has completed"));
        assertThrows(InvalidRequestException.class, () -> protectBackup.protect(completed, ""));
        assertThrows(InvalidRequestException.class, () -> protectBackup.protect(completed, "two\nlines"));
        assertThrows(InvalidRequestException.class, () -> protectBackup.protect(completed, null));
        assertThrows(UnknownBackupException.class, () -> protectBackup.protect("20261129T140000Z-000000", "keep"));
        assertThrows(UnknownBackupException.class, () -> protectBackup.unprotect("../etc"));
        assertEquals(BackupState.DELETED, deleteBackup.delete(completed).state());
        assertTrue(assertThrows(ConflictException.class, () -> protectBackup.protect(completed, "keep"))
                .getMessage().contains("is deleted"));
    }

    @Test
    void aProtectionWaitsWhileAnotherReplicaHoldsTheClustersRuns() {
        BackupManifest completed = completedBackup();
        RunbookEngine otherReplica = new RunbookEngine(new BlobJournalStore(blobs, new JournalCodec()), Clock.systemUTC(), "replica-b",
                leases, Duration.ofSeconds(30));
        assertTrue(otherReplica.claim(cluster.spec().name()));

        ConflictException busy = assertThrows(ConflictException.class, () -> protectBackup.protect(completed.id().value(), "keep"));

        assertTrue(busy.getMessage().contains("replica-b holds its runs"), busy.getMessage());
        assertFalse(catalog.find(completed.id()).orElseThrow().hasProtection());
        otherReplica.unclaim(cluster.spec().name());
        assertTrue(protectBackup.protect(completed.id().value(), "keep").hasProtection());
        assertTrue(otherReplica.claim(cluster.spec().name()), "a protection gives the cluster's run lease up once made");
    }

    /** A protection another replica set after the use case looked is seen by the plan, which holds the run lease, before anything goes. */
    @Test
    void theDeletePlanItselfRefusesAProtectedBackup() {
        BackupManifest completed = completedBackup();
        catalog.record(completed.protectedBy(new BackupProtection("set elsewhere", Instant.parse("2026-11-30T00:00:00Z"))));

        RunJournal ended = engine.execute(engine.begin(DeleteBackupPlan.create(),
                new DeleteRun(cluster, catalog, Clock.systemUTC(), completed.id()), cluster.spec().name(), completed.id().value(), Map.of()));

        assertNotEquals(RunState.SUCCEEDED, ended.state());
        assertTrue(ended.failure().contains("is protected (set elsewhere"), ended.failure());
        assertTrue(snapshotter.exists(new SnapshotRef(data.toString(), completed.id().snapshotName())));
        assertTrue(snapshotter.exists(new SnapshotRef(tablespace.toString(), completed.id().snapshotName())));
        assertEquals(BackupState.COMPLETED, catalog.find(completed.id()).orElseThrow().state());
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
