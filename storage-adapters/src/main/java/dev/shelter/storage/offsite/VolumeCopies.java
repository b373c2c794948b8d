package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The repository's copies of volumes: image manifests under {@code offsite/images/<name>} and tree
 * manifests under {@code offsite/trees/<name>}, where the caller's name says whose copy it is (a
 * backup and a volume). A manifest is written after all its chunks, so one that is there names
 * only chunks that are.
 */
public final class VolumeCopies {

    static final String IMAGES = OffsiteRepository.PREFIX + "images/";
    static final String TREES = OffsiteRepository.PREFIX + "trees/";

    private final BlobStore store;
    private final ImageManifestCodec images;
    private final TreeManifestCodec trees;

    VolumeCopies(BlobStore store, ChunkSealing sealing) {
        this.store = store;
        this.images = new ImageManifestCodec(sealing);
        this.trees = new TreeManifestCodec(sealing);
    }

    public void putImage(String name, ImageManifest manifest) {
        store.put(BlobKey.of(IMAGES + name), images.encode(manifest));
    }

    /** The image manifest; empty if none has that name; {@link CorruptManifestException} if it must not be trusted. */
    public Optional<ImageManifest> findImage(String name) {
        return read(IMAGES + name).map(bytes -> images.decode(name, bytes));
    }

    public void putTree(String name, TreeManifest manifest) {
        store.put(BlobKey.of(TREES + name), trees.encode(manifest));
    }

    /** The tree manifest; empty if none has that name; {@link CorruptManifestException} if it must not be trusted. */
    public Optional<TreeManifest> findTree(String name) {
        return read(TREES + name).map(bytes -> trees.decode(name, bytes));
    }

    /** Whether a copy of that name, image or tree, is there: a look at each key, nothing read or checked. */
    public boolean has(String name) {
        return store.stat(BlobKey.of(IMAGES + name)).isPresent() || store.stat(BlobKey.of(TREES + name)).isPresent();
    }

    /** Removes the copy of that name, image or tree; the chunks stay until garbage collection finds them unused. */
    public void delete(String name) {
        store.delete(BlobKey.of(IMAGES + name));
        store.delete(BlobKey.of(TREES + name));
    }

    private Optional<byte[]> read(String key) {
        Optional<InputStream> object = store.open(BlobKey.of(key));
        if (object.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = object.get()) {
            return Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new BlobStoreException("cannot read " + key + " from " + store.describe() + ": " + e.getMessage(), e);
        }
    }
}
