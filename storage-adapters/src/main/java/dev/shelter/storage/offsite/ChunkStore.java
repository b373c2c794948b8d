package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The repository's chunks: content-addressed objects under {@code offsite/chunks/<2 hex>/<id>}.
 * A chunk already there is never sent again (dedup across volumes, backups and a resumed export)
 * and never replaced. Reading checks it against its name.
 */
public final class ChunkStore {

    static final String PREFIX = OffsiteRepository.PREFIX + "chunks/";
    /** The names being uploaded now, by this process: an equal piece waits for that upload instead of sending its own. */
    private final ConcurrentHashMap<ChunkId, CompletableFuture<Put>> inFlight = new ConcurrentHashMap<>();

    /** What a put did: {@code uploaded} false when the chunk was there already; {@code storedBytes} what it takes in the store. */
    public record Put(ChunkId id, boolean uploaded, long storedBytes) {
    }

    private final BlobStore store;
    private final ChunkSealing sealing;

    ChunkStore(BlobStore store, ChunkSealing sealing) {
        this.store = store;
        this.sealing = sealing;
    }

    public ChunkId name(byte[] plain) {
        return sealing.name(plain);
    }

    public Put put(byte[] plain) {
        return put(plain, UploadThrottle.UNLIMITED);
    }

    /**
     * Stores the bytes unless a chunk of that name is there; an upload waits for {@code throttle}
     * first. Equal pieces put at the same time (an image of repeated blocks) are sent once: the
     * others wait for that upload and count as reused.
     */
    public Put put(byte[] plain, UploadThrottle throttle) {
        ChunkId id = sealing.name(plain);
        while (true) {
            CompletableFuture<Put> mine = new CompletableFuture<>();
            CompletableFuture<Put> other = inFlight.putIfAbsent(id, mine);
            if (other == null) {
                try {
                    Put put = putOnce(id, plain, throttle);
                    mine.complete(put);
                    return put;
                } catch (RuntimeException e) {
                    mine.completeExceptionally(e);
                    throw e;
                } finally {
                    inFlight.remove(id, mine);
                }
            }
            try {
                return new Put(id, false, other.join().storedBytes());
            } catch (CompletionException e) {
                // that upload failed: this one tries for itself
            }
        }
    }

    private Put putOnce(ChunkId id, byte[] plain, UploadThrottle throttle) {
        BlobKey key = key(id);
        Optional<Long> there = store.stat(key).map(info -> info.sizeBytes());
        if (there.isPresent()) {
            return new Put(id, false, there.get());
        }
        byte[] sealed = sealing.seal(id, plain);
        throttle.acquire(sealed.length);
        // A plain put, not a conditional one (three requests on a store without If-None-Match): a writer that
        // stored the same name meanwhile stored the same bytes, so either object is the chunk.
        store.put(key, sealed);
        return new Put(id, true, sealed.length);
    }

    /** The chunk's bytes, checked; {@link CorruptChunkException} if it is missing or not what its name says. */
    public byte[] get(ChunkId id) {
        byte[] sealed;
        try (InputStream in = store.open(key(id)).orElseThrow(() -> new CorruptChunkException(id, "is missing from "
                + store.describe()))) {
            sealed = in.readAllBytes();
        } catch (IOException e) {
            throw new BlobStoreException("cannot read chunk " + id + " from " + store.describe() + ": " + e.getMessage(), e);
        }
        return sealing.open(id, sealed);
    }

    public boolean contains(ChunkId id) {
        return store.stat(key(id)).isPresent();
    }

    static BlobKey key(ChunkId id) {
        return BlobKey.of(PREFIX + id.hex().substring(0, 2) + "/" + id.hex());
    }
}
