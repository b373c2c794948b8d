import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * bench/api-load's catalog filler: copies a cluster's one real, completed backup manifest in a
 * filesystem object store until the cluster has {@code count} backups, one a minute further back
 * each, through Shelter's own manifest store (so each copy is a manifest Shelter wrote, twin and
 * checksum included). Run with the shaded jar on the class path:
 * {@code java -cp service/target/shelter.jar bench/lib/SeedCatalog.java <store directory> <cluster> <count>}.
 */
public final class SeedCatalog {

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: SeedCatalog <store directory> <cluster> <count>");
            System.exit(2);
        }
        ClusterName cluster = new ClusterName(args[1]);
        int count = Integer.parseInt(args[2]);
        try (FsBlobStore store = FsBlobStore.open(new FsBlobStoreConfig(Path.of(args[0])))) {
            BlobManifestStore manifests = new BlobManifestStore(store, new ManifestCodec());
            BackupManifest model = manifests.listAll().stream()
                    .filter(m -> m.cluster().equals(cluster) && m.state() == BackupState.COMPLETED).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no completed backup of " + cluster.value() + " to copy"));
            BackupRequest request = model.request();
            for (int i = 1; i < count; i++) {
                Duration back = Duration.ofMinutes(i);
                Instant at = request.requestedAt().minus(back);
                BackupRequest copy = new BackupRequest(BackupId.startingAt(at), cluster, request.mode(), request.label(),
                        request.fastCheckpoint(), at);
                manifests.put(new BackupManifest(copy, model.state(), model.phase(), model.failure(), model.server(), model.window(),
                        model.snapshots(), model.databaseBytes(), model.finishedAt() == null ? null : model.finishedAt().minus(back),
                        null, null));
            }
        }
        System.out.println(count);
    }
}
