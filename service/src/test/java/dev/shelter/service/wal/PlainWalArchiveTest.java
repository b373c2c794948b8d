package dev.shelter.service.wal;

import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
}
