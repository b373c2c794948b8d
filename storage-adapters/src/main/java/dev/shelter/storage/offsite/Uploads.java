package dev.shelter.storage.offsite;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** The sending side of an export: pieces handed over by the one reading thread are sealed and stored in parallel. */
final class Uploads implements AutoCloseable {

    private final ChunkStore chunks;
    private final UploadThrottle throttle;
    private final BoundedWork work;
    private final AtomicInteger uploaded = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();
    private final AtomicLong bytesUploaded = new AtomicLong();

    Uploads(ChunkStore chunks, int parallel, UploadThrottle throttle) {
        this.chunks = chunks;
        this.throttle = throttle;
        this.work = new BoundedWork("offsite-upload", parallel);
    }

    /** Stores the piece (unless the repository has it) and then tells {@code stored} its chunk, in an upload thread. */
    void submit(byte[] bytes, Consumer<ChunkId> stored) {
        work.submit(() -> {
            ChunkStore.Put put = chunks.put(bytes, throttle);
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
