package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;

import java.util.List;
import java.util.Optional;

/**
 * The catalog's index of manifests, for lookups and listings; never the truth. Adapters: in memory
 * (local mode) and a PostgreSQL catalog database separate from every protected cluster.
 */
public interface BackupIndex {

    record Page(List<BackupManifest> items, int total) {
    }

    void upsert(BackupManifest manifest);

    Optional<BackupManifest> find(BackupId id);

    /** Newest first; {@code state} empty means every state. */
    Page list(ClusterName cluster, Optional<BackupState> state, int offset, int limit);

    List<BackupManifest> inState(BackupState state);

    boolean isEmpty();

    /** Replaces the whole index with {@code manifests}, at once: a crash never leaves it half rebuilt. */
    void replaceAll(List<BackupManifest> manifests);
}
