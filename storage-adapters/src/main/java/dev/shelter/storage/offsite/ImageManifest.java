package dev.shelter.storage.offsite;

import java.util.Collection;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A volume image as the repository holds it: its size, the size it is cut into, and the chunk of
 * each piece that is not all zeros (a piece absent from {@code chunks} is zeros, stored nowhere).
 * Piece {@code i} covers bytes {@code i * chunkBytes} up to the next piece or the image's end.
 */
public record ImageManifest(long sizeBytes, int chunkBytes, SortedMap<Integer, ChunkId> chunks) implements TreeManifest.Content {

    public ImageManifest {
        if (sizeBytes < 0 || chunkBytes <= 0) {
            throw new IllegalArgumentException("an image has a size >= 0 and a chunk size > 0, not " + sizeBytes + " and " + chunkBytes);
        }
        chunks = Collections.unmodifiableSortedMap(new TreeMap<>(chunks));
        int pieces = pieces(sizeBytes, chunkBytes);
        if (!chunks.isEmpty() && (chunks.firstKey() < 0 || chunks.lastKey() >= pieces)) {
            throw new IllegalArgumentException("an image of " + sizeBytes + " bytes has pieces 0 to " + (pieces - 1) + ", not "
                    + chunks.firstKey() + " to " + chunks.lastKey());
        }
    }

    @Override
    public Collection<ChunkId> chunkIds() {
        return chunks.values();
    }

    public int pieces() {
        return pieces(sizeBytes, chunkBytes);
    }

    public long offsetOf(int piece) {
        return (long) piece * chunkBytes;
    }

    /** The length of piece {@code piece}: {@code chunkBytes}, or less for the last. */
    public int lengthOf(int piece) {
        return (int) Math.min(chunkBytes, sizeBytes - offsetOf(piece));
    }

    static int pieces(long sizeBytes, int chunkBytes) {
        long pieces = (sizeBytes + chunkBytes - 1) / chunkBytes;
        if (pieces > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an image of " + sizeBytes + " bytes has too many pieces of " + chunkBytes);
        }
        return (int) pieces;
    }
}
