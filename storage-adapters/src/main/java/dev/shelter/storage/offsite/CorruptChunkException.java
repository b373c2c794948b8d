package dev.shelter.storage.offsite;

/** A stored chunk that must not be trusted: missing, torn, altered, or sealed under another key. Names the chunk. */
public final class CorruptChunkException extends RuntimeException {

    private final ChunkId chunk;

    CorruptChunkException(ChunkId chunk, String why) {
        super("chunk " + chunk + " " + why);
        this.chunk = chunk;
    }

    CorruptChunkException(ChunkId chunk, String why, Throwable cause) {
        super("chunk " + chunk + " " + why, cause);
        this.chunk = chunk;
    }

    public ChunkId chunk() {
        return chunk;
    }
}
