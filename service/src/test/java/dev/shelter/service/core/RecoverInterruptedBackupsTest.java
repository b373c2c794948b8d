package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.InMemoryBackupIndex;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.runbooks.postgres.BackupSession;
import dev.shelter.runbooks.local.LocalClusterControl;
import dev.shelter.runbooks.postgres.PostgresControl;
import dev.shelter.service.wal.PlainWalArchive;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotter;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotterConfig;
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
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoverInterruptedBackupsTest {

    private static final PostgresEndpoint PG = new PostgresEndpoint("jdbc:postgresql://127.0.0.1:1/postgres", "postgres", "unused");

    @TempDir
    Path work;

    /**
     * A snapshot recovery cannot delete (here: its volume is gone, which the snapshotter reports as
     * NOT_FOUND) is named in the failure; "its snapshots deleted" is said only when it is true.
     */
    @Test
    void aSnapshotThatCannotBeDeletedIsNamedInTheFailureNotReportedDeleted() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        Path gone = work.resolve("tablespace-that-is-gone");
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("store")));
             LocalDirSnapshotter snapshotter = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(work.resolve("snapshots")))) {
            BackupCatalog catalog = new BackupCatalog(new BlobManifestStore(blobs, new ManifestCodec()), new InMemoryBackupIndex());
            ClusterSpec spec = new ClusterSpec(new ClusterName("main"), new LocalTarget(data, work.resolve("bin"), "postgres"), PG,
                    List.of(new VolumeSpec(VolumeRole.PGDATA, null, data.toString()),
                            new VolumeSpec(VolumeRole.TABLESPACE, "gone", gone.toString())));
            ProtectedCluster cluster = new ProtectedCluster(spec, new LocalClusterControl("main", (LocalTarget) spec.target(), spec.volumes(),
                    work.resolve("shelter-state")), snapshotter, new PlainWalArchive(blobs, "wal/"), List.of(), List.of(),
                    new ProtectedCluster.BackupPolicy(false, Duration.ofSeconds(60), Optional.empty()));
            BackupManifest interrupted = BackupManifest.running(new BackupRequest(new BackupId("20261129T120000Z-abcdef"),
                    new ClusterName("main"), BackupMode.ONLINE, "interrupted", true, Instant.parse("2026-11-29T12:00:00Z")));
            catalog.record(interrupted);
            SnapshotRef taken = snapshotter.createSnapshot(data.toString(), interrupted.id().snapshotName());

            int recovered = new RecoverInterruptedBackups(Map.of("main", cluster), new NoSessions(), catalog, Clock.systemUTC()).recover(Set.of());

            assertEquals(1, recovered);
            BackupManifest failed = catalog.find(interrupted.id()).orElseThrow();
            assertEquals(BackupState.FAILED, failed.state());
            assertFalse(snapshotter.exists(taken), "the snapshot on the volume that exists is deleted");
            assertFalse(failed.failure().contains("snapshots deleted"), failed.failure());
            assertTrue(failed.failure().contains("could not all be deleted"), failed.failure());
            assertTrue(failed.failure().contains(gone.toString()), "names the volume it could not reach: " + failed.failure());
        }
    }

    /** A PostgreSQL with no leftover session; recovery asks nothing else of it here. */
    private static final class NoSessions implements PostgresControl {

        @Override
        public dev.shelter.runbooks.backup.Lsn sealCurrentWal(PostgresEndpoint endpoint) {
            throw new AssertionError("no WAL is sealed here");
        }

        @Override
        public BackupSession openBackupSession(PostgresEndpoint endpoint, String applicationName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int terminateSessions(PostgresEndpoint endpoint, String applicationName) {
            return 0;
        }

        @Override
        public void execute(PostgresEndpoint endpoint, String sql, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Optional<String> queryValue(PostgresEndpoint endpoint, String sql, Duration timeout) {
            throw new AssertionError("no query is run here");
        }
    }
}
