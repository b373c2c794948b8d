package dev.shelter.storage.offsite;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** The sending side of an export: pieces handed over by the one reading thread are sealed and stored in parallel. */
final class Uploads implements AutoCloseable {

    private final ChunkStore chunks;
    private final UploadThrottle throttle;
    private final BoundedWork work;
    private final Buffers scratch;
    private final Buffers pieces;
    private final AtomicInteger uploaded = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();
    private final AtomicLong bytesUploaded = new AtomicLong();

    Uploads(ChunkStore chunks, int parallel, UploadThrottle throttle) {
        this.chunks = chunks;
        this.throttle = throttle;
        this.work = new BoundedWork("offsite-upload", parallel);
        this.scratch = new Buffers(ChunkFrame.frameRoom(ChunkFrame.CHUNK_BYTES), parallel);
        this.pieces = new Buffers(ChunkFrame.CHUNK_BYTES, BoundedWork.handedOverAtMost(parallel) + 1); // and the one being read
    }

    /** A buffer for a piece of {@code length} bytes to read into: a whole chunk's is one handed back by an earlier upload. */
    byte[] newPiece(int length) {
        return length == ChunkFrame.CHUNK_BYTES ? pieces.borrow() : new byte[length];
    }

    /** Takes back a piece read and not submitted (zeros, stored nowhere), or one whose upload is done. */
    void recycle(byte[] piece) {
        pieces.giveBack(piece);
    }

    /** Stores the piece (unless the repository has it) and then tells {@code stored} its chunk, in an upload thread. */
    void submit(byte[] bytes, Consumer<ChunkId> stored) {
        if (bytes.length > ChunkFrame.CHUNK_BYTES) {
            throw new IllegalArgumentException("an export piece holds at most " + ChunkFrame.CHUNK_BYTES + " bytes, not " + bytes.length);
        }
        work.submit(() -> {
            byte[] buffer = scratch.borrow();
            ChunkStore.Put put;
            try {
                put = chunks.put(bytes, throttle, buffer);
            } finally {
                scratch.giveBack(buffer);
                recycle(bytes); // read into again: the upload is done with it
            }
            if (put.uploaded()) {
                uploaded.incrementAndGet();
                bytesUploaded.addAndGet(put.storedBytes());
            } else {
                reused.incrementAndGet();
            }
            stored.accept(put.id());
        });
    }

    /** Waits for every piece handed over; throws the first failure. */
    void awaitAll() {
        work.awaitAll();
    }

    int uploaded() {
        return uploaded.get();
    }

    int reused() {
        return reused.get();
    }

    long bytesUploaded() {
        return bytesUploaded.get();
    }

    @Override
    public void close() {
        work.close();
    }
}
