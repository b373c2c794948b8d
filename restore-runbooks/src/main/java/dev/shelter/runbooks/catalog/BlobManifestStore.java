package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Manifests in the object store at {@code backups/<cluster>/<id>/manifest.json}, each written
 * twice (a {@code .copy} twin, as pgBackRest does) so that one torn or lost object never loses a backup.
 */
public final class BlobManifestStore implements ManifestStore {

    private static final Logger LOG = LoggerFactory.getLogger(BlobManifestStore.class);
    private static final String ROOT = "backups/";
    private static final String MAIN = "manifest.json";
    private static final String COPY = "manifest.json.copy";

    private final BlobStore store;
    private final ManifestCodec codec;

    public BlobManifestStore(BlobStore store, ManifestCodec codec) {
        this.store = store;
        this.codec = codec;
    }

    @Override
    public void put(BackupManifest manifest) {
        byte[] bytes = codec.encode(manifest);
        store.put(key(manifest.cluster(), manifest.id(), MAIN), bytes);
        store.put(key(manifest.cluster(), manifest.id(), COPY), bytes);
    }

    @Override
    public Optional<BackupManifest> get(ClusterName cluster, BackupId id) {
        return read(ROOT + cluster.value() + "/" + id.value() + "/");
    }

    @Override
    public List<BackupManifest> listAll() {
        Set<String> directories = new LinkedHashSet<>();
        for (BlobInfo info : store.list(ROOT)) {
            String key = info.key().value();
            if (key.endsWith("/" + MAIN) || key.endsWith("/" + COPY)) {
                directories.add(key.substring(0, key.lastIndexOf('/') + 1));
            }
        }
        List<BackupManifest> manifests = new ArrayList<>();
        for (String directory : directories) {
            read(directory).ifPresent(manifests::add);
        }
        return manifests;
    }

    @Override
    public void delete(ClusterName cluster, BackupId id) {
        store.delete(key(cluster, id, MAIN));
        store.delete(key(cluster, id, COPY));
    }

    /** The main copy if it is sound, else its twin; empty if neither exists. */
    private Optional<BackupManifest> read(String directory) {
        RuntimeException firstProblem = null;
        for (String name : List.of(MAIN, COPY)) {
            try {
                Optional<byte[]> bytes = readBytes(new BlobKey(directory + name));
                if (bytes.isPresent()) {
                    return Optional.of(codec.decode(bytes.get()));
                }
            } catch (ChecksummedJson.CorruptDocumentException e) {
                LOG.warn("{}{} is not usable ({}); trying its twin", directory, name, e.getMessage());
                firstProblem = firstProblem == null ? e : firstProblem;
            }
        }
        if (firstProblem != null) {
            throw firstProblem;
        }
        return Optional.empty();
    }

    private Optional<byte[]> readBytes(BlobKey key) {
        Optional<InputStream> stream = store.open(key);
        if (stream.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = stream.get()) {
            return Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + key.value() + " from " + store.describe(), e);
        }
    }

    private static BlobKey key(ClusterName cluster, BackupId id, String name) {
        return new BlobKey(ROOT + cluster.value() + "/" + id.value() + "/" + name);
    }
}
