package dev.shelter.storage.offsite;

import dev.shelter.storage.snapshot.BlockWriter;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Writes an exported image into a new volume: every stored piece is fetched and checked against
 * its name by {@code parallelFetches} threads, and written in place; pieces of zeros are left as
 * the new volume has them. The first chunk that is missing or damaged ends the restore with a
 * {@link CorruptChunkException} naming it, before the volume is used for anything.
 */
public final class ImageRestore {

    /** How far a restore is: pieces written of those stored, and bytes fetched (as stored) and written. */
    public record Stats(int piecesWritten, int piecesStored, long bytesFetched, long bytesWritten) {
    }

    private final ChunkStore chunks;
    private final int parallelFetches;

    public ImageRestore(ChunkStore chunks, int parallelFetches) {
        if (parallelFetches < 1) {
            throw new IllegalArgumentException("at least one fetch at a time, not " + parallelFetches);
        }
        this.chunks = chunks;
        this.parallelFetches = parallelFetches;
    }

    public Stats restore(ImageManifest manifest, BlockWriter target, Consumer<Stats> progress) {
        if (target.sizeBytes() < manifest.sizeBytes()) {
            throw new IllegalArgumentException("the new volume has " + target.sizeBytes() + " bytes; the image needs "
                    + manifest.sizeBytes());
        }
        AtomicInteger written = new AtomicInteger();
        AtomicLong bytesWritten = new AtomicLong();
        AtomicLong bytesFetched = new AtomicLong();
        int stored = manifest.chunks().size();
        try (BoundedWork fetches = new BoundedWork("offsite-fetch", parallelFetches)) {
            for (Map.Entry<Integer, ChunkId> piece : manifest.chunks().entrySet()) {
                fetches.submit(() -> {
                    byte[] bytes = chunks.get(piece.getValue());
                    if (bytes.length != manifest.lengthOf(piece.getKey())) {
                        throw new CorruptChunkException(piece.getValue(), "holds " + bytes.length + " bytes where piece "
                                + piece.getKey() + " of the image has " + manifest.lengthOf(piece.getKey()));
                    }
                    bytesFetched.addAndGet(bytes.length);
                    synchronized (target) { // a writer takes one caller at a time
                        target.write(manifest.offsetOf(piece.getKey()), bytes);
                    }
                    bytesWritten.addAndGet(bytes.length);
                    written.incrementAndGet();
                    progress.accept(new Stats(written.get(), stored, bytesFetched.get(), bytesWritten.get()));
                });
            }
            fetches.awaitAll();
        }
        return new Stats(written.get(), stored, bytesFetched.get(), bytesWritten.get());
    }
}
