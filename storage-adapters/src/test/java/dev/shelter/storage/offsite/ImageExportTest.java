package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.snapshot.Extent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;

import static dev.shelter.storage.offsite.ImagesInMemory.blocks;
import static dev.shelter.storage.offsite.ImagesInMemory.noise;
import static dev.shelter.storage.offsite.ImagesInMemory.writer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exporting and restoring images, over images held in memory (the pure logic: pieces, zeros,
 * dedup, diffs and their sample check) and a real local directory store. The RBD adapter's side
 * is {@code OffsiteRbdIT}'s.
 */
class ImageExportTest {

    private static final int MIB = 1 << 20;
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
    void aFullExportStoresEveryPieceButZerosAndRestoresByteForByte() {
        byte[] image = noise(10 * MIB + 123, 1);
        Arrays.fill(image, CHUNK, 2 * CHUNK, (byte) 0);
        List<ImageExport.Stats> seen = new ArrayList<>();

        ImageExport.Result result = export(100).exportFull(blocks(image), seen::add);

        assertEquals(3, result.manifest().pieces());
        assertEquals(List.of(0, 2), List.copyOf(result.manifest().chunks().keySet()), "the piece of zeros is stored nowhere");
        assertEquals(2, result.stats().chunksUploaded());
        assertEquals(1, result.stats().zeroPieces());
        assertEquals(image.length, result.stats().bytesRead());
        assertEquals(3, seen.get(seen.size() - 1).piecesDone(), "progress ends at the total");
        assertArrayEquals(image, restore(result.manifest(), image.length));
    }

    @Test
    void equalPiecesAreStoredOnceAndAnExportDoneAgainSendsNothing() {
        byte[] piece = noise(CHUNK, 2);
        byte[] image = new byte[3 * CHUNK];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(piece, 0, image, i * CHUNK, CHUNK);
        }

        ImageExport.Result first = export(0).exportFull(blocks(image), stats -> { });
        ImageExport.Result again = export(0).exportFull(blocks(image), stats -> { });

        assertEquals(1, first.stats().chunksUploaded());
        assertEquals(2, first.stats().chunksReused());
        assertEquals(0, again.stats().chunksUploaded(), "a resumed export sends no chunk twice");
        assertEquals(0, again.stats().bytesUploaded());
        assertEquals(first.manifest(), again.manifest());
        assertEquals(1, store.list(ChunkStore.PREFIX).size());
    }

    @Test
    void anIncrementalExportReadsTheChangedPiecesAndASampleAndMatchesAFullOne() {
        byte[] before = noise(40 * MIB, 3);
        ImageExport.Result base = export(0).exportFull(blocks(before), stats -> { });
        byte[] after = before.clone();
        after[5 * CHUNK + 17] ^= 1;
        Arrays.fill(after, 9 * CHUNK, 10 * CHUNK, (byte) 0);

        ImageExport.Result next = export(1).exportIncremental(blocks(after), new ImageExport.Previous(base.manifest(),
                List.of(new Extent(5 * CHUNK + 16, 2), new Extent(9 * CHUNK, CHUNK))), stats -> { });

        assertEquals(Optional.empty(), next.distrustedDiff());
        assertEquals(4, next.stats().piecesSampled(), "1 % of 8 unchanged pieces, but at least 4");
        assertEquals((2 + 4) * (long) CHUNK, next.stats().bytesRead(), "the two changed pieces and the sample");
        assertEquals(1, next.stats().chunksUploaded());
        assertEquals(4, next.stats().piecesTakenFromPrevious());
        assertEquals(export(0).exportFull(blocks(after), stats -> { }).manifest(), next.manifest());
        assertArrayEquals(after, restore(next.manifest(), after.length));
    }

    @Test
    void aDiffThatLeavesAChangeOutIsCaughtByTheSampleAndTheImageIsReadWhole() {
        byte[] before = noise(16 * MIB, 4);
        ImageExport.Result base = export(0).exportFull(blocks(before), stats -> { });
        byte[] after = before.clone();
        after[CHUNK + 1] ^= 1;    // reported
        after[3 * CHUNK + 1] ^= 1; // left out by the diff

        ImageExport.Result next = export(100).exportIncremental(blocks(after), new ImageExport.Previous(base.manifest(),
                List.of(new Extent(CHUNK + 1, 1))), stats -> { });

        assertTrue(next.distrustedDiff().orElseThrow().startsWith("piece 3 "), next.distrustedDiff().toString());
        assertEquals(after.length, next.stats().bytesRead(), "read whole after the mismatch");
        assertArrayEquals(after, restore(next.manifest(), after.length));
    }

    @Test
    void aGrownImageReadsItsNewPiecesAndAShrunkOneIsReadWhole() {
        byte[] before = noise(6 * MIB, 5);
        ImageExport.Result base = export(0).exportFull(blocks(before), stats -> { });
        byte[] grown = Arrays.copyOf(before, 12 * MIB);
        new Random(6).nextBytes(grown);
        System.arraycopy(before, 0, grown, 0, before.length);

        ImageExport.Result next = export(0).exportIncremental(blocks(grown), new ImageExport.Previous(base.manifest(), List.of()),
                stats -> { });
        ImageExport.Result shrunk = export(0).exportIncremental(blocks(Arrays.copyOf(before, 2 * MIB)),
                new ImageExport.Previous(base.manifest(), List.of()), stats -> { });

        assertArrayEquals(grown, restore(next.manifest(), grown.length));
        assertEquals(1, next.stats().piecesTakenFromPrevious(), "only the first piece was whole before");
        assertArrayEquals(Arrays.copyOf(before, 2 * MIB), restore(shrunk.manifest(), 2 * MIB));
    }

    @Test
    void aRestoreStopsAtAMissingChunkNamingIt() {
        byte[] image = noise(8 * MIB, 7);
        ImageManifest manifest = export(0).exportFull(blocks(image), stats -> { }).manifest();
        ChunkId second = manifest.chunks().get(1);
        store.delete(ChunkStore.key(second));

        CorruptChunkException missing = assertThrows(CorruptChunkException.class, () -> restore(manifest, image.length));

        assertEquals(second, missing.chunk());
    }

    @Test
    void aManifestReadsBackAndAnAlteredOneOrOneUnderAnotherKeyIsRefused() {
        ImageManifest manifest = export(0).exportFull(blocks(noise(9 * MIB, 8)), stats -> { }).manifest();
        repository.copies().putImage("b1/pgdata", manifest);

        assertEquals(manifest, repository.copies().findImage("b1/pgdata").orElseThrow());
        assertEquals(Optional.empty(), repository.copies().findImage("b2/pgdata"));

        ImageManifestCodec plain = new ImageManifestCodec(new PlainSealing());
        store.put(dev.shelter.storage.blob.BlobKey.of(VolumeCopies.IMAGES + "b1/pgdata"), plain.encode(manifest));
        CorruptManifestException foreign = assertThrows(CorruptManifestException.class, () -> repository.copies().findImage("b1/pgdata"));
        assertTrue(foreign.getMessage().contains("fails its checksum"), foreign.getMessage());
        assertFalse(plain.decode("x", plain.encode(manifest)).chunks().isEmpty());
    }

    private ImageExport export(double samplePercent) {
        return new ImageExport(repository.chunks(), 3, UploadThrottle.UNLIMITED, new SampleCheck(samplePercent, new SplittableRandom(42)));
    }

    private byte[] restore(ImageManifest manifest, int size) {
        byte[] target = new byte[size];
        new ImageRestore(repository.chunks(), 3).restore(manifest, writer(target), stats -> { });
        return target;
    }
}
