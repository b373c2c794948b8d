package dev.shelter.storage.snapshot.local;

import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import dev.shelter.storage.snapshot.VolumeSnapshotterContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalDirSnapshotterTest extends VolumeSnapshotterContract {

    private static final String FILE = "base/1/16384";

    @TempDir
    Path temp;
    private LocalDirSnapshotter snapshotter;

    /** Where volumes and snapshots live: a temporary directory on the machine's own filesystem. */
    protected Path work() {
        return temp;
    }

    @BeforeEach
    void open() {
        snapshotter = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(work().resolve("snapshots")));
    }

    @AfterEach
    void close() {
        snapshotter.close();
    }

    @Override
    protected VolumeSnapshotter snapshotter() {
        return snapshotter;
    }

    @Override
    protected String makeVolume(String name, byte[] content) {
        Path volume = work().resolve("volumes").resolve(name);
        try {
            Files.createDirectories(volume.resolve("base/1"));
            Files.createDirectories(volume.resolve("pg_wal"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        overwriteVolume(volume.toString(), content);
        return volume.toString();
    }

    @Override
    protected void overwriteVolume(String volume, byte[] content) {
        try {
            Files.write(Path.of(volume).resolve(FILE), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected byte[] readVolume(String volume, int length) {
        return read(Path.of(volume).resolve(FILE));
    }

    @Override
    protected byte[] readSnapshot(SnapshotRef ref, int length) {
        return read(snapshotter.fileTree(ref).resolve(FILE));
    }

    @Override
    protected void removeVolume(String volume) {
        // the work directory goes with the test
    }

    @Override
    protected String missingVolume() {
        return work().resolve("volumes/never-made").toString();
    }

    @Test
    void ownersModesAndSymlinksSurviveTheCopy() throws IOException {
        String volume = newVolume(someBytes());
        Path data = Path.of(volume);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(data.resolve(FILE), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(data.resolve("pg_tblspc"));
        Files.createSymbolicLink(data.resolve("pg_tblspc/16500"), Path.of("/elsewhere/tablespace"));
        UserPrincipal nobody = data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Files.setOwner(data.resolve(FILE), nobody);
        }

        SnapshotRef ref = snapshotter.createSnapshot(volume, "attrs");
        Path copy = snapshotter.fileTree(ref);

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy.resolve(FILE))));
        assertEquals(Path.of("/elsewhere/tablespace"), Files.readSymbolicLink(copy.resolve("pg_tblspc/16500")));
        if (root) {
            assertEquals(nobody, Files.getOwner(copy.resolve(FILE)));
        }
    }

    @Test
    void aCopyLeftByACrashIsNeitherListedNorInTheWay() throws IOException {
        String volume = newVolume(someBytes());
        SnapshotRef first = snapshotter.createSnapshot(volume, "first");
        Path partial = snapshotter.fileTree(first).resolveSibling("second.partial");
        Files.createDirectories(partial.resolve("half"));

        assertEquals(List.of(first), snapshotter.listSnapshots(volume));
        SnapshotRef second = snapshotter.createSnapshot(volume, "second");
        assertEquals(List.of(first, second), snapshotter.listSnapshots(volume));
        assertFalse(Files.exists(partial, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(snapshotter.fileTree(second).resolve("half")));
    }

    @Test
    void rollbackRemovesFilesMadeAfterTheSnapshot() throws IOException {
        String volume = newVolume(someBytes());
        SnapshotRef ref = snapshotter.createSnapshot(volume, "clean");
        Files.writeString(Path.of(volume).resolve("base/1/16999"), "new relation");

        snapshotter.rollbackVolume(ref);

        assertFalse(Files.exists(Path.of(volume).resolve("base/1/16999")));
        assertTrue(Files.exists(Path.of(volume).resolve(FILE)));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
