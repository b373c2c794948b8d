package dev.shelter.storage.snapshot.local;

import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.RealReflinkFilesystem;
import dev.shelter.testing.ReflinkFilesystem;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local-directory snapshotter on a filesystem that clones (XFS, reflink=1): the whole contract
 * again, and proof that a large file is cloned, not copied: the snapshot costs no space, yet stays
 * unchanged when the volume is written afterwards (copy on write).
 */
@RealReflinkFilesystem
class LocalDirSnapshotterOnReflinkIT extends LocalDirSnapshotterTest {

    private static final int FILE_MB = 192;

    private final ScratchDirectory onXfs;
    private final Path work;

    LocalDirSnapshotterOnReflinkIT(ReflinkFilesystem xfs) {
        this.onXfs = ScratchDirectory.createIn(xfs.directory(), "snapshotter-it");
        this.work = onXfs.path();
    }

    @Override
    protected Path work() {
        return work;
    }

    @AfterEach
    void removeWork() {
        onXfs.close();
    }

    @Test
    void aLargeFileIsClonedSoTheSnapshotTakesNoSpaceAndKeepsItsBytesWhenTheVolumeChanges() throws Exception {
        String volume = newVolume(someBytes());
        Path relation = Path.of(volume).resolve("base/1/16500");
        writeRandom(relation, FILE_MB);
        byte[] before = sha256(relation);
        long freeBefore = Files.getFileStore(work).getUnallocatedSpace();

        SnapshotRef ref = snapshotter().createSnapshot(volume, "cloned");

        long used = freeBefore - Files.getFileStore(work).getUnallocatedSpace();
        assertTrue(used < FILE_MB / 8 * 1024L * 1024, "a clone shares the extents; a copy would take " + FILE_MB
                + " MB, this took " + used / 1024 / 1024 + " MB");
        Path copy = snapshotter().fileTree(ref).resolve("base/1/16500");
        assertArrayEquals(before, sha256(copy));

        try (FileChannel channel = FileChannel.open(relation, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[1024 * 1024]), 4096);
            channel.force(true);
        }
        assertFalse(HexFormat.of().formatHex(before).equals(HexFormat.of().formatHex(sha256(relation))));
        assertArrayEquals(before, sha256(copy), "writing the volume does not change the snapshot");
    }

    @Test
    void acrossFilesystemsItFallsBackToCopyingTheBytes() throws Exception {
        String volume = newVolume(someBytes());
        Path relation = Path.of(volume).resolve("base/1/16501");
        writeRandom(relation, 8);
        try (ScratchDirectory onTmp = ScratchDirectory.create("snapshots-on-another-fs");
             LocalDirSnapshotter other = LocalDirSnapshotter.open(new LocalDirSnapshotterConfig(onTmp.path()))) {
            Path elsewhere = onTmp.path();
            assertFalse(Files.getFileStore(elsewhere).equals(Files.getFileStore(work)), "the temp dir is on another filesystem");
            SnapshotRef ref = other.createSnapshot(volume, "copied");
            assertArrayEquals(sha256(relation), sha256(other.fileTree(ref).resolve("base/1/16501")));
            assertEquals(Files.size(relation), Files.size(other.fileTree(ref).resolve("base/1/16501")));
        }
    }

    private static void writeRandom(Path file, int megabytes) {
        Random random = new Random(42);
        byte[] block = new byte[1024 * 1024];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < megabytes; i++) {
                random.nextBytes(block);
                channel.write(ByteBuffer.wrap(block));
            }
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (channel.read(buffer) > 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return digest.digest();
    }
}
