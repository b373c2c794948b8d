package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.ClusterName;

import java.util.List;
import java.util.Optional;

/** The backup manifests in the object store: the truth about every backup. */
public interface ManifestStore {

    void put(BackupManifest manifest);

    Optional<BackupManifest> get(ClusterName cluster, BackupId id);

    /** Every manifest in the store, whatever its cluster. */
    List<BackupManifest> listAll();

    void delete(ClusterName cluster, BackupId id);
}
