package dev.shelter.storage.blob.fs;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreContract;
import dev.shelter.storage.blob.BlobStoreException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FsBlobStoreTest extends BlobStoreContract {

    private Path root;

    @Override
    protected BlobStore newEmptyStore() throws Exception {
        root = Files.createDirectory(scratch.resolve("store"));
        return FsBlobStore.open(new FsBlobStoreConfig(root));
    }

    /** A writer's temporary file renamed away while the directory is read is no error, and never a blob. */
    @Test
    void listingWhileABlobIsRewrittenSeesOnlyTheBlob() throws Exception {
        store.put(BlobKey.of("j/x"), new byte[] {1});
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                store.put(BlobKey.of("j/x"), new byte[] {2});
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 5000; i++) {
                assertEquals(java.util.List.of("j/x"), store.list("j/").stream().map(b -> b.key().value()).toList());
            }
        } finally {
            writing.set(false);
            writer.join();
        }
    }

    @Test
    void blobsAreFilesUnderTheRoot() throws Exception {
        store.put(BlobKey.of("a/b/c"), new byte[] {7});
        assertEquals(1, Files.size(root.resolve("a/b/c")));
    }

    @Test
    void filesAreReadableByTheRootsOwnerOnly() throws Exception {
        store.put(BlobKey.of("a/b/c"), new byte[] {7});
        store.putIfAbsent(BlobKey.of("a/d"), new byte[] {8});
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/b/c"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/d"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/b"))));
    }

    /** As root, files and directories take the owner of the archive's root (a postgres-owned archive stays postgres'). */
    @Test
    void filesTakeTheRootsOwnerWhenShelterRunsAsRoot() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "only root may give a file away");
        UserPrincipal nobody = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(root, nobody);
        store.putIfAbsent(BlobKey.of("x/000000010000000000000001"), new byte[] {1});
        store.put(BlobKey.of("x/000000010000000000000002"), new byte[] {2});
        assertEquals(nobody, Files.getOwner(root.resolve("x")));
        assertEquals(nobody, Files.getOwner(root.resolve("x/000000010000000000000001")));
        assertEquals(nobody, Files.getOwner(root.resolve("x/000000010000000000000002")));
    }

    @Test
    void probeFailsWhenTheDirectoryIsGone() throws Exception {
        Files.delete(root);
        assertThrows(BlobStoreException.class, store::probe);
    }
}
