package dev.shelter.service.catalog;

import dev.shelter.service.core.WalArchive;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;

/** WAL segments as objects under a prefix, as an archive_command (or, later, Shelter's receiver) writes them. */
public final class BlobWalArchive implements WalArchive {

    private final BlobStore store;
    private final String prefix;

    public BlobWalArchive(BlobStore store, String prefix) {
        BlobKey.requireValidPrefix(prefix);
        this.store = store;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    @Override
    public boolean contains(String walFileName) {
        return store.stat(new BlobKey(prefix + walFileName)).isPresent();
    }

    @Override
    public String describe() {
        return store.describe() + (prefix.isEmpty() ? "" : " under " + prefix);
    }
}
