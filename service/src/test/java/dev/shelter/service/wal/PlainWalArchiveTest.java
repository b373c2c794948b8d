package dev.shelter.service.wal;

import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The archive contract on plain files, as a {@code cp} archive_command writes them. */
class PlainWalArchiveTest extends WalArchiveContract {

    @TempDir
    Path root;
    private FsBlobStore store;
    private PlainWalArchive archive;

    @BeforeEach
    void open() {
        store = FsBlobStore.open(new FsBlobStoreConfig(root));
        archive = new PlainWalArchive(store, "");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    protected WalArchive archive() {
        return archive;
    }

    @Test
    void filesKeepPostgresNamesSoAnArchiveCommandAndShelterShareTheDirectory() throws Exception {
        byte[] content = segment(7, 1);
        archive.store(dev.shelter.runbooks.wal.WalFileName.parse(segmentName(7)), content, NO_SERVER);
        assertArrayEquals(content, Files.readAllBytes(root.resolve(segmentName(7))));
    }

    @Test
    void aSegmentStillBeingCopiedInIsNotYetArchivedWhole() throws Exception {
        byte[] content = segment(8, 1);
        WalFileName name = WalFileName.parse(segmentName(8));
        Files.write(root.resolve(segmentName(8)), Arrays.copyOf(content, content.length / 2)); // cp half done

        assertTrue(archive.contains(name), "the file is there");
        assertFalse(archive.containsSegment(name, content.length), "but not whole: a backup must not count it yet");

        Files.write(root.resolve(segmentName(8)), content);
        assertTrue(archive.containsSegment(name, content.length));
    }

    @Test
    void itDeclaresNeitherStreamingNorInspection() {
        // Plain files have nowhere to keep a segment's pieces, its system or its incarnations.
        assertTrue(archive.streaming().isEmpty());
        assertTrue(archive.inspection().isEmpty());
    }
}
