package dev.shelter.storage.blob;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The port for bytes at rest: object storage or a local directory.
 * Every adapter passes {@code BlobStoreContract}. A put is all-or-nothing: a reader never sees
 * part of an object, and a failed put leaves no object behind.
 */
public interface BlobStore extends AutoCloseable {

    /** Stores the file's bytes under the key, replacing what was there. Large files go in parts. */
    void put(BlobKey key, Path source);

    /** Stores the bytes under the key, replacing what was there. */
    void put(BlobKey key, byte[] content);

    /**
     * Stores the bytes under the key only if no blob has that key, atomically: of two writers of one
     * key, exactly one is told {@code true}, and a blob once stored is never replaced by this call.
     * {@code false} means another blob was there (its bytes may differ: compare them if that matters).
     * Archives use it, because a WAL file, once stored, must never be overwritten.
     */
    boolean putIfAbsent(BlobKey key, byte[] content);

    /** Opens the blob for reading; empty when there is no such blob. The caller closes the stream. */
    Optional<InputStream> open(BlobKey key);

    /** Reads the blob's size without its content; empty when there is no such blob. */
    Optional<BlobInfo> stat(BlobKey key);

    /** Every blob whose key starts with the prefix, in key order; see {@link BlobKey#requireValidPrefix}. */
    List<BlobInfo> list(String prefix);

    /** Removes the blob; removing a missing blob is not an error. */
    void delete(BlobKey key);

    /**
     * Removes every blob named; missing ones are not an error. A failure may leave some removed and
     * some not. Stores that remove many blobs in one request override this: a WAL segment's streamed
     * pieces are hundreds of small blobs, dropped together once the segment is archived whole.
     */
    default void deleteAll(Collection<BlobKey> keys) {
        keys.forEach(this::delete);
    }

    /** Proves the store is reachable and its location usable, or throws saying why not. */
    void probe();

    /** A short description of where the bytes go, for logs and health output (no secrets). */
    String describe();

    @Override
    void close();
}
