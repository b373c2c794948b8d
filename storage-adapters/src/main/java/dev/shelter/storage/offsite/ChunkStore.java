package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The repository's chunks: content-addressed objects under {@code offsite/chunks/<2 hex>/<id>}.
 * A chunk already there is never sent again (dedup across volumes, backups and a resumed export)
 * and never replaced. Reading checks it against its name.
 */
public final class ChunkStore {

    static final String PREFIX = OffsiteRepository.PREFIX + "chunks/";

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

    /** Stores the bytes unless a chunk of that name is there; an upload waits for {@code throttle} first. */
    public Put put(byte[] plain, UploadThrottle throttle) {
        ChunkId id = sealing.name(plain);
        BlobKey key = key(id);
        Optional<Long> there = store.stat(key).map(info -> info.sizeBytes());
        if (there.isPresent()) {
            return new Put(id, false, there.get());
        }
        byte[] sealed = sealing.seal(id, plain);
        throttle.acquire(sealed.length);
        boolean stored = store.putIfAbsent(key, sealed); // false: another writer stored the same bytes meanwhile
        return new Put(id, stored, sealed.length);
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
