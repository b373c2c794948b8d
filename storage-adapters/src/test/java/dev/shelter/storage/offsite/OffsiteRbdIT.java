package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.storage.rbd.RbdImageHandle;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.BlockWriter;
import dev.shelter.storage.snapshot.Extent;
import dev.shelter.storage.snapshot.SnapshotBlocks;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-site copies of a real 1 GiB RBD image into real S3 (s3proxy), encrypted: a full export, an
 * incremental one after about 1 % of the image changed (sending at most 2 % of it), a restore into
 * a new image whose SHA-256 is the snapshot's, and a diff that leaves a change out, caught by the
 * sample check.
 */
@RealCeph
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OffsiteRbdIT {

    private static final long IMAGE_BYTES = 1L << 30;
    private static final int CHUNK = 4 << 20;
    private static final String SOURCE = "offsite-it-source";
    private static final String RESTORED = "offsite-it-restored";

    private final CephServer ceph;
    private final S3Server s3;
    private RbdSnapshotter rbd;
    private String bucket;
    private BlobStore store;
    private OffsiteRepository repository;

    OffsiteRbdIT(CephServer ceph, S3Server s3) {
        this.ceph = ceph;
        this.s3 = s3;
    }

    @BeforeAll
    void open() {
        rbd = RbdSnapshotter.open(ceph.config());
        removeImage(SOURCE);
        removeImage(RESTORED);
        bucket = s3.createBucket("offsite");
        store = S3BlobStore.open(s3.storeConfig(bucket, "cluster-a"));
        byte[] key = new byte[32];
        new SplittableRandom(11).nextBytes(key);
        repository = OffsiteRepository.open(store, Optional.of(MasterKey.of(key)));
    }

    @AfterAll
    void close() {
        try {
            removeImage(SOURCE);
            removeImage(RESTORED);
        } finally {
            if (store != null) {
                store.close();
                s3.deleteBucket(bucket);
            }
            if (rbd != null) {
                rbd.close();
            }
        }
    }

    @Test
    void anImageGoesOffSiteWholeThenByItsChangesAndComesBackExactly() throws Exception {
        rbd.pool().createImage(SOURCE, IMAGE_BYTES);
        SplittableRandom random = new SplittableRandom(5);
        try (RbdImageHandle image = rbd.pool().openImage(SOURCE)) {
            // Table-like pages that compress, some noise that does not, and the last 64 MiB never written (sparse).
            for (long offset = 0; offset < IMAGE_BYTES - (64 << 20); offset += CHUNK) {
                image.write(offset, piece(random, offset % (16L * CHUNK) == 0));
            }
        }
        SnapshotRef first = rbd.createSnapshot(SOURCE, "offsite-1");

        long started = System.nanoTime();
        ImageExport.Result full;
        try (SnapshotBlocks blocks = rbd.openBlocks(first)) {
            full = export(1).exportFull(blocks, stats -> { });
        }
        double fullSeconds = (System.nanoTime() - started) / 1e9;
        assertEquals(16, full.stats().zeroPieces(), "the 64 MiB never written are stored nowhere");
        assertEquals(256 - 16, full.manifest().chunks().size());

        try (RbdImageHandle image = rbd.pool().openImage(SOURCE)) {
            byte[] run = new byte[10 << 20]; // about 1 %: one run of 10 MiB, and one byte elsewhere
            random.nextBytes(run);
            image.write(100L * CHUNK, run);
            image.write(200L * CHUNK + 12345, new byte[] {42});
        }
        SnapshotRef second = rbd.createSnapshot(SOURCE, "offsite-2");
        List<Extent> changed = rbd.changedExtents(first, second);
        ImageExport.Result next;
        try (SnapshotBlocks blocks = rbd.openBlocks(second)) {
            next = export(1).exportIncremental(blocks, new ImageExport.Previous(full.manifest(), changed), stats -> { });
        }
        assertEquals(Optional.empty(), next.distrustedDiff());
        assertEquals(4, next.stats().chunksUploaded(), "pieces 100, 101, 102 and 200: " + next.stats());
        assertTrue(next.stats().bytesUploaded() <= IMAGE_BYTES / 50, "at most 2 % sent: " + next.stats().bytesUploaded());
        repository.copies().putImage("b2/pgdata", next.manifest());

        ImageManifest stored = repository.copies().findImage("b2/pgdata").orElseThrow();
        started = System.nanoTime();
        try (BlockWriter target = rbd.createBlockVolume(RESTORED, stored.sizeBytes())) {
            new ImageRestore(repository.chunks(), 4).restore(stored, target, stats -> { });
        }
        double restoreSeconds = (System.nanoTime() - started) / 1e9;
        String snapshotSha = sha256(rbd.openBlocks(second));
        String restoredSha;
        SnapshotRef restoredNow = rbd.createSnapshot(RESTORED, "check");
        restoredSha = sha256(rbd.openBlocks(restoredNow));
        assertEquals(snapshotSha, restoredSha, "the restored image is the snapshot, byte for byte");

        System.out.printf("offsite 1 GiB: full export %.1f s (%.0f MiB/s read, %d MiB sent); incremental %d MiB read, %d KiB sent "
                        + "(%.2f %%); restore %.1f s (%.0f MiB/s)%n", fullSeconds, (IMAGE_BYTES >> 20) / fullSeconds,
                full.stats().bytesUploaded() >> 20, next.stats().bytesRead() >> 20, next.stats().bytesUploaded() >> 10,
                100.0 * next.stats().bytesUploaded() / IMAGE_BYTES, restoreSeconds, (IMAGE_BYTES >> 20) / restoreSeconds);

        // A diff that lies: the change to piece 150 is real, but the extents handed over leave it out.
        try (RbdImageHandle image = rbd.pool().openImage(SOURCE)) {
            image.write(150L * CHUNK + 77, new byte[] {1, 2, 3});
        }
        SnapshotRef third = rbd.createSnapshot(SOURCE, "offsite-3");
        List<Extent> lying = new ArrayList<>(rbd.changedExtents(second, third));
        assertTrue(lying.removeIf(e -> e.offset() < 151L * CHUNK && e.end() > 150L * CHUNK), "the real diff has it: " + lying);
        ImageExport.Result caught;
        try (SnapshotBlocks blocks = rbd.openBlocks(third)) {
            caught = export(100).exportIncremental(blocks, new ImageExport.Previous(next.manifest(), lying), stats -> { });
        }
        assertTrue(caught.distrustedDiff().orElseThrow().startsWith("piece 150 "), caught.distrustedDiff().toString());
        try (SnapshotBlocks blocks = rbd.openBlocks(third)) {
            assertEquals(export(0).exportFull(blocks, stats -> { }).manifest(), caught.manifest(), "the fallback read it whole");
        }
    }

    private ImageExport export(double samplePercent) {
        return new ImageExport(repository.chunks(), 4, UploadThrottle.UNLIMITED, new SampleCheck(samplePercent, new SplittableRandom(3)));
    }

    private static byte[] piece(SplittableRandom random, boolean noise) {
        byte[] bytes = new byte[CHUNK];
        if (noise) {
            random.nextBytes(bytes);
            return bytes;
        }
        byte[] row = ("row " + random.nextInt(1_000_000) + " | customer " + random.nextInt(5000) + " | 19.99 EUR | ").getBytes();
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = row[i % row.length];
        }
        return bytes;
    }

    private static String sha256(SnapshotBlocks blocks) throws Exception {
        try (blocks) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (long offset = 0; offset < blocks.sizeBytes(); offset += CHUNK) {
                digest.update(blocks.read(offset, (int) Math.min(CHUNK, blocks.sizeBytes() - offset)));
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private void removeImage(String image) {
        if (!rbd.pool().listImages().contains(image)) {
            return;
        }
        for (SnapshotRef ref : rbd.listSnapshots(image)) {
            rbd.deleteSnapshot(ref);
        }
        rbd.pool().removeImage(image);
    }
}
