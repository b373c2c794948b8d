package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.shelter.storage.offsite.ImagesInMemory.blocks;
import static dev.shelter.storage.offsite.ImagesInMemory.noise;
import static dev.shelter.storage.offsite.ImagesInMemory.writer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Garbage collection on a local directory store: a dead backup's copies go first, its chunks are
 * marked and deleted only after the grace period, never one a kept copy shares, never while an
 * export is in flight, and never when a copy cannot be read.
 */
class GarbageCollectionTest {

    private static final int CHUNK = ChunkFrame.CHUNK_BYTES;
    private static final Duration GRACE = Duration.ofHours(48);
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path work;
    private FsBlobStore store;
    private OffsiteRepository repository;
    private byte[] kept;
    private ImageManifest old;

    @BeforeEach
    void twoCopiesSharingTwoChunks() {
        store = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("bucket")));
        repository = OffsiteRepository.open(store, Optional.of(MasterKey.of(new byte[32])));
        byte[] gone = noise(3 * CHUNK, 1);
        kept = noise(3 * CHUNK, 2);
        System.arraycopy(gone, CHUNK, kept, CHUNK, 2 * CHUNK); // pieces 1 and 2 shared; piece 0 each its own
        old = exportAs("b1/pgdata", gone);
        exportAs("b2/pgdata", kept);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void aDeadBackupsOwnChunkGoesOnlyAfterTheGracePeriodAndTheKeptCopyStaysWhole() {
        GarbageCollection gc = repository.garbageCollection();

        GarbageCollection.Report preview = gc.collect("b2"::equals, () -> false, T0, GRACE, true);
        assertEquals(List.of("b1/pgdata"), preview.copiesRemoved());
        assertEquals(0, preview.chunksDeleted());
        assertTrue(repository.copies().has("b1/pgdata"), "a dry run changes nothing");

        GarbageCollection.Report first = gc.collect("b2"::equals, () -> false, T0, GRACE, false);
        assertEquals(List.of("b1/pgdata"), first.copiesRemoved());
        assertFalse(repository.copies().has("b1/pgdata"));
        assertEquals(4, first.chunksStored());
        assertEquals(3, first.chunksNeeded());
        assertEquals(1, first.chunksMarked());
        assertEquals(0, first.chunksDeleted(), "marked, not deleted: the grace period has not passed");
        assertTrue(repository.chunks().contains(old.chunks().get(0)));

        GarbageCollection.Report early = gc.collect("b2"::equals, () -> false, T0.plus(GRACE).minusSeconds(1), GRACE, false);
        assertEquals(0, early.chunksDeleted());
        GarbageCollection.Report due = gc.collect("b2"::equals, () -> false, T0.plus(GRACE), GRACE, false);
        assertEquals(1, due.chunksDeleted());
        assertTrue(due.bytesDeleted() > 0);
        assertFalse(repository.chunks().contains(old.chunks().get(0)), "b1's own chunk is gone");
        assertTrue(old.chunks().values().stream().skip(1).allMatch(repository.chunks()::contains), "the shared ones stay");

        byte[] restored = new byte[kept.length];
        new ImageRestore(repository.chunks(), 2).restore(repository.copies().findImage("b2/pgdata").orElseThrow(), writer(restored), s -> { });
        assertArrayEquals(kept, restored, "the kept copy restores whole");
        assertTrue(repository.scrub().scrub(RepositoryScrub.Selection.sample(SampleCheck.NONE), n -> { }).isSound());
    }

    @Test
    void aChunkNeededAgainBeforeItsTimeIsKeptAndUnmarked() {
        GarbageCollection gc = repository.garbageCollection();
        gc.collect("b2"::equals, () -> false, T0, GRACE, false);
        repository.copies().putImage("b3/pgdata", old); // an export took b1's chunks as stored, then wrote its copy

        GarbageCollection.Report later = gc.collect(Set.of("b2", "b3")::contains, () -> false, T0.plus(GRACE), GRACE, false);

        assertEquals(0, later.chunksDeleted());
        assertEquals(0, later.chunksMarked());
        assertTrue(repository.chunks().contains(old.chunks().get(0)));
    }

    @Test
    void aBundleStaysWhileATreeHasASliceOfItAndGoesAfterTheTree() {
        byte[] bundled = noise(16384, 3); // two small files end to end
        ChunkId bundle = repository.chunks().put(bundled).id();
        ChunkId second = repository.chunks().name(Arrays.copyOfRange(bundled, 8192, 16384));
        repository.copies().putTree("b3/pgdata", new TreeManifest(List.of(
                new TreeManifest.RegularFile("base/5/1259", 0600, 0, new TreeManifest.Slice(bundle, 8192, 8192, second))))); // the first changed since
        GarbageCollection gc = repository.garbageCollection();

        gc.collect(Set.of("b2", "b3")::contains, () -> false, T0, GRACE, false);
        GarbageCollection.Report kept = gc.collect(Set.of("b2", "b3")::contains, () -> false, T0.plus(GRACE), GRACE, false);
        assertTrue(repository.chunks().contains(bundle), "a slice keeps its whole bundle");
        assertEquals(1, kept.chunksDeleted(), "b1's own chunk only");

        gc.collect("b2"::equals, () -> false, T0.plus(GRACE), GRACE, false);
        GarbageCollection.Report after = gc.collect("b2"::equals, () -> false, T0.plus(GRACE.multipliedBy(2)), GRACE, false);
        assertEquals(1, after.chunksDeleted());
        assertFalse(repository.chunks().contains(bundle), "the bundle goes with the last tree that has a slice of it");
    }

    @Test
    void anExportInFlightDefersTheDeletionAndSeesTheMarkerMeanwhile() {
        GarbageCollection gc = repository.garbageCollection();
        gc.collect("b2"::equals, () -> false, T0, GRACE, false);

        GarbageCollection.Report deferred = gc.collect("b2"::equals, () -> {
            // Asked with the marker written: an export that begins now refuses to go on.
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> gc.requireNoSweep(T0.plus(GRACE)));
            assertTrue(refused.getMessage().contains("is deleting chunks"), refused.getMessage());
            return true;
        }, T0.plus(GRACE), GRACE, false);

        assertEquals(0, deferred.chunksDeleted());
        assertTrue(deferred.deletionDeferred().orElseThrow().contains("export is in flight"));
        assertTrue(repository.chunks().contains(old.chunks().get(0)));
        gc.requireNoSweep(T0.plus(GRACE)); // the marker is gone with the collection
        assertEquals(1, gc.collect("b2"::equals, () -> false, T0.plus(GRACE), GRACE, false).chunksDeleted(), "the next one deletes it");
    }

    @Test
    void aStaleMarkerFencesNothingAndAnUnreadableCopyStopsTheCollection() {
        GarbageCollection gc = repository.garbageCollection();
        store.put(GarbageCollection.SWEEPING, T0.toString().getBytes());
        assertThrows(IllegalStateException.class, () -> gc.requireNoSweep(T0.plusSeconds(60)));
        gc.requireNoSweep(T0.plus(GarbageCollection.STALE_MARKER)); // a collection that died long ago

        store.put(BlobKey.of(VolumeCopies.IMAGES + "b2/wal"), "not a manifest".getBytes());
        IllegalStateException stopped = assertThrows(IllegalStateException.class,
                () -> gc.collect("b2"::equals, () -> false, T0, GRACE, false));
        assertTrue(stopped.getMessage().contains("b2/wal cannot be read"), stopped.getMessage());
        assertEquals(4, store.list(ChunkStore.PREFIX).size(), "no chunk was deleted");
    }

    private ImageManifest exportAs(String name, byte[] image) {
        ImageManifest manifest = new ImageExport(repository.chunks(), 2, UploadThrottle.UNLIMITED, SampleCheck.NONE)
                .exportFull(blocks(image), stats -> { }).manifest();
        repository.copies().putImage(name, manifest);
        return manifest;
    }
}
