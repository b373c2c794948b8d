package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.shelter.storage.offsite.ImagesInMemory.blocks;
import static dev.shelter.storage.offsite.ImagesInMemory.noise;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scrubs of a repository on a local directory store: bad chunks named with the copies that need them, slices that cover everything once. */
class RepositoryScrubTest {

    private static final int CHUNK = ChunkFrame.CHUNK_BYTES;

    @TempDir
    Path work;
    private FsBlobStore store;
    private OffsiteRepository repository;

    @BeforeEach
    void openRepository() {
        store = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("bucket")));
        repository = OffsiteRepository.open(store, Optional.of(MasterKey.of(new byte[32])));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void aScrubNamesEveryBadChunkAndTheCopiesThatNeedIt() throws Exception {
        byte[] first = noise(3 * CHUNK, 1);
        byte[] second = first.clone();
        new Random(2).nextBytes(second); // piece 0 of b2 differs; pieces 1 and 2 are b1's
        System.arraycopy(first, CHUNK, second, CHUNK, 2 * CHUNK);
        ImageManifest b1 = exportAs("b1/pgdata", first);
        ImageManifest b2 = exportAs("b2/pgdata", second);
        ChunkId shared = b1.chunks().get(1);
        ChunkId ownToB2 = b2.chunks().get(0);
        byte[] stored;
        try (InputStream in = store.open(ChunkStore.key(shared)).orElseThrow()) {
            stored = in.readAllBytes();
        }
        stored[40] ^= 1;
        store.put(ChunkStore.key(shared), stored);
        store.delete(ChunkStore.key(ownToB2));
        store.put(BlobKey.of(VolumeCopies.IMAGES + "b3/pgdata"), "not a manifest".getBytes());

        RepositoryScrub.Report report = new RepositoryScrub(store, repository).scrub(RepositoryScrub.Selection.sample(
                new SampleCheck(100, new SplittableRandom(1))), read -> { });

        assertFalse(report.isSound());
        assertEquals(3, report.copies());
        assertEquals(3, report.chunksRead(), "four chunks were stored, one is gone");
        assertEquals("missing", report.badChunks().get(ownToB2));
        assertTrue(report.badChunks().get(shared).contains("fails its authentication tag"), report.toString());
        assertEquals(Map.of("b1/pgdata", Set.of(shared), "b2/pgdata", Set.of(shared, ownToB2)), report.copiesAffected());
        assertTrue(report.badManifests().get("b3/pgdata").contains("is not one"), report.toString());
    }

    @Test
    void slicesReadEveryChunkOnceBetweenThem() {
        exportAs("b1/pgdata", noise(12 * CHUNK, 3));
        RepositoryScrub scrub = new RepositoryScrub(store, repository);

        int read = 0;
        for (int slice = 0; slice < 4; slice++) {
            RepositoryScrub.Report report = scrub.scrub(RepositoryScrub.Selection.slice(slice, 4), n -> { });
            assertTrue(report.isSound(), report.toString());
            read += report.chunksRead();
        }
        RepositoryScrub.Report none = scrub.scrub(RepositoryScrub.Selection.sample(SampleCheck.NONE), n -> { });

        assertEquals(12, read);
        assertEquals(0, none.chunksRead());
        assertTrue(none.isSound(), "every chunk named is there");
    }

    private ImageManifest exportAs(String name, byte[] image) {
        ImageManifest manifest = new ImageExport(repository.chunks(), 2, UploadThrottle.UNLIMITED, SampleCheck.NONE)
                .exportFull(blocks(image), stats -> { }).manifest();
        repository.copies().putImage(name, manifest);
        return manifest;
    }
}
