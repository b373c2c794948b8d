package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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

    /**
     * The most chunks an export keeps a listing of: about 40 MB of heap, 800 GB of distinct chunk
     * data. A larger repository is asked for each chunk (a HEAD), which costs requests, not heap.
     */
    static final int LISTING_LIMIT = 200_000;

    private final BlobStore store;
    private final ChunkSealing sealing;
    /** The chunks stored when an export began, by one listing, and those it stored since; null: each put asks the store. */
    private final Map<ChunkId, Long> listed;

    ChunkStore(BlobStore store, ChunkSealing sealing) {
        this(store, sealing, null);
    }

    private ChunkStore(BlobStore store, ChunkSealing sealing, Map<ChunkId, Long> listed) {
        this.store = store;
        this.sealing = sealing;
        this.listed = listed;
    }

    /**
     * The chunks for one export: what is stored is listed once now, so a piece already there is
     * reused without asking the store, and any other is sent without asking first. That halves
     * the requests of an export; a piece another writer stores meanwhile is sent again, which
     * leaves the same chunk. Deletions by a garbage collection are fenced off for the export's
     * length by the collection's own rules.
     */
    public ChunkStore listingStored() {
        return listingStored(LISTING_LIMIT);
    }

    /** As above; a repository of more than {@code limit} chunks is asked chunk by chunk, as a store without a listing is. */
    ChunkStore listingStored(int limit) {
        Map<ChunkId, Long> stored = listStored();
        return stored.size() > limit ? this : new ChunkStore(store, sealing, new ConcurrentHashMap<>(stored));
    }

    /** Every chunk in the store with the bytes it takes there, in one listing. */
    public Map<ChunkId, Long> listStored() {
        Map<ChunkId, Long> stored = new TreeMap<>();
        for (BlobInfo object : store.list(PREFIX)) {
            String key = object.key().value();
            stored.put(new ChunkId(key.substring(key.lastIndexOf('/') + 1)), object.sizeBytes());
        }
        return stored;
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
        return put(plain, throttle, null);
    }

    /** As above, compressing in {@code scratch} ({@link ChunkFrame#frameRoom} bytes for the piece, the caller's, reused) when one is given. */
    Put put(byte[] plain, UploadThrottle throttle, byte[] scratch) {
        ChunkId id = sealing.name(plain);
        while (true) {
            CompletableFuture<Put> mine = new CompletableFuture<>();
            CompletableFuture<Put> other = inFlight.putIfAbsent(id, mine);
            if (other == null) {
                try {
                    Put put = putOnce(id, plain, throttle, scratch);
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

    private Put putOnce(ChunkId id, byte[] plain, UploadThrottle throttle, byte[] scratch) {
        BlobKey key = key(id);
        Optional<Long> there = listed != null ? Optional.ofNullable(listed.get(id)) : store.stat(key).map(info -> info.sizeBytes());
        if (there.isPresent()) {
            return new Put(id, false, there.get());
        }
        byte[] sealed = scratch == null ? sealing.seal(id, plain) : sealing.seal(id, plain, scratch);
        throttle.acquire(sealed.length);
        // A plain put, not a conditional one (three requests on a store without If-None-Match): a writer that
        // stored the same name meanwhile stored the same bytes, so either object is the chunk.
        store.put(key, sealed);
        if (listed != null) {
            listed.put(id, (long) sealed.length); // an equal piece later in the export is reused, not sent again
        }
        return new Put(id, true, sealed.length);
    }

    /** The chunk's bytes, checked; {@link CorruptChunkException} if it is missing or not what its name says. */
    public byte[] get(ChunkId id) {
        return sealing.open(id, fetch(id));
    }

    /**
     * As {@link #get}, into {@code into} (the caller's, reused across chunks, so that a restore
     * does not make a 4 MiB buffer per chunk); the bytes the chunk holds.
     */
    int read(ChunkId id, byte[] into) {
        return sealing.open(id, fetch(id), into);
    }

    private byte[] fetch(ChunkId id) {
        try (InputStream in = store.open(key(id)).orElseThrow(() -> new CorruptChunkException(id, "is missing from "
                + store.describe()))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BlobStoreException("cannot read chunk " + id + " from " + store.describe() + ": " + e.getMessage(), e);
        }
    }

    public boolean contains(ChunkId id) {
        return store.stat(key(id)).isPresent();
    }

    static BlobKey key(ChunkId id) {
        return BlobKey.of(PREFIX + id.hex().substring(0, 2) + "/" + id.hex());
    }
}
