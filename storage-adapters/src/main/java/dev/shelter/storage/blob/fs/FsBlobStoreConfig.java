package dev.shelter.storage.blob.fs;

import java.nio.file.Path;
import java.util.Objects;

/** A blob store in a local directory: the embedded default of local mode. */
public record FsBlobStoreConfig(Path root) {
    public FsBlobStoreConfig {
        Objects.requireNonNull(root, "root directory");
        root = root.toAbsolutePath().normalize();
    }
}
