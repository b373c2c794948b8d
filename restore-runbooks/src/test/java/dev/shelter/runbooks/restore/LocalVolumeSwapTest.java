package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.local.LocalVolumeSwap;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local adapter: directories swapped by rename, on this machine's filesystem, plus the states a crash between renames leaves. */
class LocalVolumeSwapTest extends VolumeSwapContract {

    @TempDir
    Path root;
    private LocalDirSnapshotter snapshotter;
    private LocalVolumeSwap swap;
    private Path data;

    @BeforeEach
    void open() {
        snapshotter = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(root.resolve("snapshots")));
        swap = new LocalVolumeSwap("main", root.resolve("state"), snapshotter);
        data = root.resolve("volumes/data");
    }

    @AfterEach
    void close() {
        snapshotter.close();
    }

    @Override
    protected VolumeSwap swap() {
        return swap;
    }

    @Override
    protected VolumeSnapshotter snapshotter() {
        return snapshotter;
    }

    @Override
    protected BackupManifest backupOf(String atBackup, String now) throws Exception {
        Files.createDirectories(data);
        Files.writeString(data.resolve("content"), atBackup);
        BackupManifest backup = Backups.completed("20261130T040000Z-abc123", "0/2000028", "0/2000100", 1,
                "2026-11-30T04:00:00Z", "2026-11-30T04:00:01Z");
        SnapshotRef ref = snapshotter.createSnapshot(data.toString(), "shelter-20261130T040000Z-abc123");
        Files.writeString(data.resolve("content"), now);
        return backup.withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", ref)));
    }

    @Override
    protected String contentOf(String volume) throws Exception {
        Path file = Path.of(volume).resolve("content");
        return Files.exists(file) ? Files.readString(file) : null;
    }

    @Test
    void theCloneSitsBesideTheVolumeWhereARenameCanSwapIt() throws Exception {
        VolumeSwap.Swap planned = swap.swapsFor(backupOf("a", "b"), "r20261130t040000-00ff").get(0);
        assertEquals(data.toString(), planned.mount());
        assertEquals(data.resolveSibling("data.clone-r20261130t040000-00ff").toString(), planned.cloneVolume());
        assertEquals(data.resolveSibling("data.original-r20261130t040000-00ff").toString(), planned.original());
    }

    /** A crash between the two renames of a swap in: the volume is missing, and both directions finish from there. */
    @Test
    void aSwapCutBetweenItsRenamesFinishesEitherWay() throws Exception {
        BackupManifest backup = backupOf("at the backup", "later");
        VolumeSwap.Swap planned = swap.swapsFor(backup, "r5").get(0);
        snapshotter.cloneSnapshot(planned.snapshot().ref(), planned.cloneVolume());
        Files.move(data, Path.of(planned.original())); // the first rename, then the crash

        swap.swapIn(planned);
        assertEquals("at the backup", contentOf(planned.mount()));
        assertEquals("later", contentOf(planned.original()));

        Files.move(data, Path.of(planned.cloneVolume())); // the first rename of a swap back, then the crash
        swap.swapBack(planned);
        assertEquals("later", contentOf(planned.mount()));
        assertTrue(swap.cloneExists(planned));

        Files.move(data, Path.of(planned.original())); // a swap in cut again; this time the restore is rolled back
        swap.swapBack(planned);
        assertEquals("later", contentOf(planned.mount()));
        assertEquals("at the backup", contentOf(planned.cloneVolume()));
    }

    @Test
    void keptOriginalsSurviveANewAdapterOverTheSameState() throws Exception {
        VolumeSwap.Swap planned = swap.swapsFor(backupOf("a", "b"), "r6").get(0);
        snapshotter.cloneSnapshot(planned.snapshot().ref(), planned.cloneVolume());
        swap.swapIn(planned);
        swap.keepOriginal(planned, "r6", java.time.Instant.parse("2026-12-01T00:00:00Z"));
        assertEquals(swap.keptOriginals(), new LocalVolumeSwap("main", root.resolve("state"), snapshotter).keptOriginals());
    }
}
