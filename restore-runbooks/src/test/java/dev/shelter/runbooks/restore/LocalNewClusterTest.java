package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.local.LocalNewCluster;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotter;
import dev.shelter.storage.snapshot.local.LocalDirSnapshotterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local new cluster: a clone of the snapshot in a new directory, made a cluster of its own; the source is only read. */
class LocalNewClusterTest {

    @TempDir
    Path root;
    private LocalDirSnapshotter snapshotter;
    private Path source;
    private Path copy;
    private LocalNewCluster newCluster;

    @BeforeEach
    void open() {
        snapshotter = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(root.resolve("snapshots")));
        source = root.resolve("volumes/data");
        copy = root.resolve("volumes/look");
        newCluster = new LocalNewCluster("main", snapshotter, copy, "127.0.0.1", 5499);
    }

    @AfterEach
    void close() {
        snapshotter.close();
    }

    /** The source's data directory at its backup: a pid file, a slot, and settings of its own; then it changes. */
    private BackupManifest backup() throws Exception {
        Files.createDirectories(source.resolve("pg_replslot/shelter_main"));
        Files.createDirectories(source.resolve("pg_wal"));
        Files.writeString(source.resolve("pg_replslot/shelter_main/state"), "slot");
        Files.writeString(source.resolve("postmaster.pid"), "4242\n" + source + "\n");
        Files.writeString(source.resolve("postgresql.auto.conf"), "archive_command = 'to the source''s archive'");
        Files.writeString(source.resolve("content"), "at the backup");
        SnapshotRef ref = snapshotter.createSnapshot(source.toString(), "shelter-20261130T040000Z-abc123");
        Files.writeString(source.resolve("content"), "later");
        return Backups.completed("20261130T040000Z-abc123", "0/2000028", "0/2000100", 1, "2026-11-30T04:00:00Z", "2026-11-30T04:00:01Z")
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", ref)));
    }

    @Test
    void theCloneIsMadeAClusterOfItsOwnAndTheSourceIsOnlyRead() throws Exception {
        BackupManifest backup = backup();
        newCluster.requirePlaceable(backup);
        assertFalse(newCluster.isCloned());

        newCluster.cloneFrom(backup);
        newCluster.cloneFrom(backup); // resumed: nothing more to do
        assertTrue(newCluster.isCloned());
        assertEquals("at the backup", Files.readString(copy.resolve("content")));
        assertFalse(newCluster.isConfigured());

        newCluster.configure("main-look", "curl -d @%p 'x'");
        newCluster.configure("main-look", "curl -d @%p 'x'"); // resumed: one block, not two
        assertTrue(newCluster.isConfigured());
        assertFalse(Files.exists(copy.resolve("postmaster.pid")), "the source's pid file would stop the new server from starting");
        assertEquals(List.of(), List.of(copy.resolve("pg_replslot").toFile().list()), "no slot of the source holds WAL in the copy");
        String settings = Files.readString(copy.resolve("postgresql.auto.conf"));
        assertTrue(settings.startsWith("archive_command = 'to the source''s archive'\n"), settings);
        assertTrue(settings.endsWith("port = 5499\ncluster_name = 'main-look'\narchive_mode = on\narchive_command = 'curl -d @%p ''x'''\n"),
                "the copy's own settings come last, where they win: " + settings);
        assertEquals(1, settings.split("# Shelter: this is a new cluster", -1).length - 1, settings);

        assertEquals("later", Files.readString(source.resolve("content")), "the source is as it was");
        assertTrue(Files.exists(source.resolve("postmaster.pid")));
        assertTrue(Files.exists(source.resolve("pg_replslot/shelter_main/state")));
        assertEquals("jdbc:postgresql://127.0.0.1:5499/postgres", newCluster.reach().get("jdbcUrl"));
    }

    @Test
    void aTakenOrOverlappingPlaceOrASetOfSeveralVolumesIsRefused() throws Exception {
        BackupManifest backup = backup();
        LocalNewCluster inside = new LocalNewCluster("main", snapshotter, source.resolve("look"), "127.0.0.1", 5499);
        assertThrows(RestoreRefusedException.class, () -> inside.requirePlaceable(backup));
        LocalNewCluster onTheSource = new LocalNewCluster("main", snapshotter, source, "127.0.0.1", 5499);
        assertThrows(RestoreRefusedException.class, () -> onTheSource.requirePlaceable(backup));
        Files.createDirectories(copy);
        assertThrows(RestoreRefusedException.class, () -> newCluster.requirePlaceable(backup));
        Files.delete(copy);

        BackupManifest twoVolumes = backup.withSnapshots(List.of(backup.snapshots().get(0),
                new VolumeSnapshot(VolumeRole.PGWAL, "pgwal", backup.snapshots().get(0).ref())));
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class, () -> newCluster.requirePlaceable(twoVolumes));
        assertTrue(refused.getMessage().contains("2 volumes"), refused.getMessage());
    }

    @Test
    void aCloneWhoseWalLivesElsewhereIsRefused() throws Exception {
        BackupManifest backup = backup();
        Files.delete(source.resolve("pg_wal"));
        Files.createSymbolicLink(source.resolve("pg_wal"), root.resolve("elsewhere"));
        SnapshotRef ref = snapshotter.createSnapshot(source.toString(), "shelter-20261130T050000Z-abc124");
        BackupManifest symlinked = backup.withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", ref)));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> newCluster.cloneFrom(symlinked));
        assertTrue(refused.getMessage().contains("pg_wal"), refused.getMessage());
    }

    @Test
    void removingTakesTheCloneAndWhatACrashCutShort() throws Exception {
        newCluster.cloneFrom(backup());
        Files.createDirectories(root.resolve("volumes/look.partial"));
        assertTrue(newCluster.exists());
        newCluster.remove();
        assertFalse(newCluster.exists());
        assertFalse(Files.exists(root.resolve("volumes/look.partial")));
        newCluster.remove(); // nothing left: not an error
        assertTrue(Files.isDirectory(source), "the source stays");
    }
}
