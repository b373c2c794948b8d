package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * Every backup Shelter knows: manifests in the object store (the truth) and their index.
 * A change is written to the store first, so a crash between the two leaves the index behind the
 * truth, never ahead of it; {@link #rebuildIndex} catches it up.
 */
public final class BackupCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);

    private final ManifestStore store;
    private final BackupIndex index;

    public BackupCatalog(ManifestStore store, BackupIndex index) {
        this.store = store;
        this.index = index;
    }

    public void record(BackupManifest manifest) {
        store.put(manifest);
        index.upsert(manifest);
    }

    /** Every manifest as the store holds it, whatever the index says: for a caller that must not trust an index still catching up. */
    public List<BackupManifest> listStored() {
        return store.listAll();
    }

    public Optional<BackupManifest> find(BackupId id) {
        return index.find(id);
    }

    public BackupIndex.Page list(ClusterName cluster, Optional<BackupState> state, int offset, int limit) {
        return index.list(cluster, state, offset, limit);
    }

    public List<BackupManifest> inState(BackupState state) {
        return index.inState(state);
    }

    /** Replaces the index with what the store holds; returns how many manifests it found. */
    public int rebuildIndex() {
        List<BackupManifest> manifests = store.listAll();
        index.replaceAll(manifests);
        LOG.info("catalog index rebuilt from the object store: {} backups", manifests.size());
        return manifests.size();
    }

    /** At startup: an empty index is filled from the store. */
    public void rebuildIndexIfEmpty() {
        if (index.isEmpty()) {
            rebuildIndex();
        }
    }
}
