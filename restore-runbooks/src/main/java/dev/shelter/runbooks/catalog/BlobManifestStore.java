package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.storage.blob.BlobStore;

import java.util.List;
import java.util.Optional;

/**
 * Manifests in the object store at {@code backups/<cluster>/<id>/manifest.json}, each written
 * twice (a {@code .copy} twin, as pgBackRest does) so that one torn or lost object never loses a backup.
 */
public final class BlobManifestStore implements ManifestStore {

    private static final String ROOT = "backups/";

    private final TwinDocuments<BackupManifest> documents;

    public BlobManifestStore(BlobStore store, ManifestCodec codec) {
        this.documents = new TwinDocuments<>(store, "/manifest.json", "/manifest.json.copy", codec::encode, codec::decode);
    }

    @Override
    public void put(BackupManifest manifest) {
        documents.put(stem(manifest.cluster(), manifest.id()), manifest);
    }

    @Override
    public Optional<BackupManifest> get(ClusterName cluster, BackupId id) {
        return documents.read(stem(cluster, id));
    }

    @Override
    public List<BackupManifest> listAll() {
        return documents.readAll(ROOT);
    }

    @Override
    public void delete(ClusterName cluster, BackupId id) {
        documents.delete(stem(cluster, id));
    }

    private static String stem(ClusterName cluster, BackupId id) {
        return ROOT + cluster.value() + "/" + id.value();
    }
}
