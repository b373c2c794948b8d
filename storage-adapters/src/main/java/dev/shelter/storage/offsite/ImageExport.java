package dev.shelter.storage.offsite;

import dev.shelter.storage.snapshot.Extent;
import dev.shelter.storage.snapshot.SnapshotBlocks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Exports a snapshot read as blocks into the repository: the image is cut into pieces of
 * {@link ChunkFrame#CHUNK_BYTES}, a piece of zeros is stored nowhere, and every other piece is a
 * chunk (sent only if the repository lacks it, so a resumed export sends nothing twice).
 *
 * <p>An incremental export reads only the pieces the diff from the previous exported snapshot
 * touches, and takes the others' chunks from the previous manifest. Diffs have had bugs that
 * left changed extents out, so a random sample of the pieces it calls unchanged is read as well
 * and compared with the previous manifest; one mismatch, and the diff is distrusted loudly and
 * the whole image is read.
 *
 * <p>One thread reads (a snapshot is read in order, and its reader is not thread-safe);
 * {@code parallelUploads} threads seal and send, sharing the throttle ({@link Uploads}).
 */
public final class ImageExport {

    private static final Logger LOG = LoggerFactory.getLogger(ImageExport.class);
    private static final byte[] ZEROS = new byte[ChunkFrame.CHUNK_BYTES];

    /** How far an export is: pieces done of the total, what was read and sent, what was reused or zeros. */
    public record Stats(int piecesDone, int piecesTotal, long bytesRead, long bytesUploaded, int chunksUploaded, int chunksReused,
                        int zeroPieces, int piecesTakenFromPrevious, int piecesSampled) {
    }

    /** The manifest of the exported image, the figures, and, if the diff lied, where. */
    public record Result(ImageManifest manifest, Stats stats, Optional<String> distrustedDiff) {
    }

    /** What an incremental export starts from: the previous export's manifest and the extents changed since its snapshot. */
    public record Previous(ImageManifest manifest, List<Extent> changed) {

        public Previous {
            changed = List.copyOf(changed);
        }
    }

    private final ChunkStore chunks;
    private final int parallelUploads;
    private final UploadThrottle throttle;
    private final SampleCheck sample;

    /** {@code sample}: the share of the pieces a diff calls unchanged that is read anyway (at least 4, when there are that many). */
    public ImageExport(ChunkStore chunks, int parallelUploads, UploadThrottle throttle, SampleCheck sample) {
        if (parallelUploads < 1) {
            throw new IllegalArgumentException("at least one upload at a time, not " + parallelUploads);
        }
        this.chunks = chunks;
        this.parallelUploads = parallelUploads;
        this.throttle = throttle;
        this.sample = sample;
    }

    /** Reads the whole image. */
    public Result exportFull(SnapshotBlocks blocks, Consumer<Stats> progress) {
        int pieces = ImageManifest.pieces(blocks.sizeBytes(), ChunkFrame.CHUNK_BYTES);
        BitSet all = new BitSet(pieces);
        all.set(0, pieces);
        return run(blocks, all, Map.of(), new BitSet(), Map.of(), progress);
    }

    /**
     * Reads the pieces {@code previous.changed} touches and a sample of the others; takes the rest
     * from {@code previous.manifest}. Falls back to {@link #exportFull} when the previous image was
     * cut otherwise or was larger, or when the sample shows the diff left a change out.
     */
    public Result exportIncremental(SnapshotBlocks blocks, Previous previous, Consumer<Stats> progress) {
        ImageManifest before = previous.manifest();
        long size = blocks.sizeBytes();
        if (before.chunkBytes() != ChunkFrame.CHUNK_BYTES || before.sizeBytes() > size) {
            LOG.info("the previous export was cut in {} bytes over {} bytes; this image is {} bytes: reading it whole",
                    before.chunkBytes(), before.sizeBytes(), size);
            return exportFull(blocks, progress);
        }
        int pieces = ImageManifest.pieces(size, ChunkFrame.CHUNK_BYTES);
        BitSet read = new BitSet(pieces);
        for (Extent extent : previous.changed()) {
            if (extent.length() > 0 && extent.offset() < size) {
                int first = (int) (extent.offset() / ChunkFrame.CHUNK_BYTES);
                int last = (int) ((Math.min(extent.end(), size) - 1) / ChunkFrame.CHUNK_BYTES);
                read.set(first, last + 1);
            }
        }
        // Pieces past the previous image's end, or its last piece if that was short, are new bytes.
        int unchangedLimit = (int) (before.sizeBytes() / ChunkFrame.CHUNK_BYTES);
        read.set(unchangedLimit, pieces);
        Map<Integer, ChunkId> taken = new TreeMap<>();
        List<Integer> unchanged = new ArrayList<>();
        for (int piece = read.nextClearBit(0); piece < pieces; piece = read.nextClearBit(piece + 1)) {
            unchanged.add(piece);
            ChunkId id = before.chunks().get(piece);
            if (id != null) {
                taken.put(piece, id);
            }
        }
        BitSet sampled = sampleOf(unchanged);
        Map<Integer, ChunkId> expected = new TreeMap<>();
        for (int piece = sampled.nextSetBit(0); piece >= 0; piece = sampled.nextSetBit(piece + 1)) {
            expected.put(piece, before.chunks().get(piece)); // null: zeros expected
            taken.remove(piece);
        }
        read.or(sampled);
        Result result;
        try {
            result = run(blocks, read, taken, sampled, expected, progress);
        } catch (DiffMismatch mismatch) {
            LOG.error("DIFF DISTRUSTED: {}. The diff from the previous snapshot left a change out; the whole image is read "
                    + "instead. Ceph has had such bugs (trackers 42248, 50787, 54970): upgrade, and check other incremental copies.",
                    mismatch.getMessage());
            Result full = exportFull(blocks, progress);
            return new Result(full.manifest(), full.stats(), Optional.of(mismatch.getMessage()));
        }
        return result;
    }

    private BitSet sampleOf(List<Integer> unchanged) {
        int want = (int) Math.ceil(unchanged.size() * sample.percent() / 100);
        if (sample.percent() > 0) {
            want = Math.min(unchanged.size(), Math.max(want, 4));
        }
        BitSet chosen = new BitSet();
        List<Integer> pool = new ArrayList<>(unchanged);
        for (int i = 0; i < want; i++) { // a partial Fisher-Yates shuffle: want distinct pieces
            int pick = i + sample.random().nextInt(pool.size() - i);
            Integer piece = pool.get(pick);
            pool.set(pick, pool.get(i));
            pool.set(i, piece);
            chosen.set(piece);
        }
        return chosen;
    }

    private Result run(SnapshotBlocks blocks, BitSet read, Map<Integer, ChunkId> taken, BitSet sampled, Map<Integer, ChunkId> expected,
                       Consumer<Stats> progress) {
        long size = blocks.sizeBytes();
        int pieces = ImageManifest.pieces(size, ChunkFrame.CHUNK_BYTES);
        Map<Integer, ChunkId> stored = new ConcurrentHashMap<>(taken);
        AtomicInteger done = new AtomicInteger(pieces - read.cardinality());
        long bytesRead = 0;
        int zeros = 0;
        try (Uploads uploads = new Uploads(chunks, parallelUploads, throttle)) {
            for (int piece = read.nextSetBit(0); piece >= 0; piece = read.nextSetBit(piece + 1)) {
                long offset = (long) piece * ChunkFrame.CHUNK_BYTES;
                byte[] bytes = blocks.read(offset, (int) Math.min(ChunkFrame.CHUNK_BYTES, size - offset));
                bytesRead += bytes.length;
                boolean zero = isZero(bytes);
                if (sampled.get(piece)) {
                    check(piece, zero ? null : chunks.name(bytes), expected.get(piece));
                }
                if (zero) {
                    zeros++;
                    done.incrementAndGet();
                    continue;
                }
                int at = piece;
                uploads.submit(bytes, id -> {
                    stored.put(at, id);
                    done.incrementAndGet();
                });
                progress.accept(new Stats(done.get(), pieces, bytesRead, uploads.bytesUploaded(), uploads.uploaded(), uploads.reused(),
                        zeros, taken.size(), sampled.cardinality()));
            }
            uploads.awaitAll();
            Stats stats = new Stats(pieces, pieces, bytesRead, uploads.bytesUploaded(), uploads.uploaded(), uploads.reused(), zeros,
                    taken.size(), sampled.cardinality());
            progress.accept(stats);
            return new Result(new ImageManifest(size, ChunkFrame.CHUNK_BYTES, new TreeMap<>(stored)), stats, Optional.empty());
        }
    }

    static boolean isZero(byte[] bytes) {
        return Arrays.mismatch(bytes, 0, bytes.length, ZEROS, 0, bytes.length) == -1;
    }

    private static void check(int piece, ChunkId found, ChunkId expected) {
        if (found == null ? expected != null : !found.equals(expected)) {
            throw new DiffMismatch("piece " + piece + " (bytes " + (long) piece * ChunkFrame.CHUNK_BYTES + "+) is "
                    + (found == null ? "zeros" : "chunk " + found) + " where the diff says it is unchanged from "
                    + (expected == null ? "zeros" : "chunk " + expected));
        }
    }

    /** A sampled piece the diff called unchanged, which is not. */
    private static final class DiffMismatch extends RuntimeException {

        DiffMismatch(String message) {
            super(message);
        }
    }
}
