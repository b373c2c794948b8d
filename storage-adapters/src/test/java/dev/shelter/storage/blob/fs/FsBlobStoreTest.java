package dev.shelter.storage.blob.fs;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreContract;
import dev.shelter.storage.blob.BlobStoreException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FsBlobStoreTest extends BlobStoreContract {

    private Path root;

    @Override
    protected BlobStore newEmptyStore() throws Exception {
        root = Files.createDirectory(scratch.resolve("store"));
        return FsBlobStore.open(new FsBlobStoreConfig(root));
    }

    @Test
    void blobsAreFilesUnderTheRoot() throws Exception {
        store.put(BlobKey.of("a/b/c"), new byte[] {7});
        assertEquals(1, Files.size(root.resolve("a/b/c")));
    }

    @Test
    void probeFailsWhenTheDirectoryIsGone() throws Exception {
        Files.delete(root);
        assertThrows(BlobStoreException.class, store::probe);
    }
}
