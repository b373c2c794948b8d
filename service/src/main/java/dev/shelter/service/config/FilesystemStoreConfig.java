package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import jakarta.validation.constraints.NotEmpty;

import java.nio.file.Path;

/** A local directory as the object store: the embedded default. */
public class FilesystemStoreConfig implements ObjectStoreConfig {

    @NotEmpty
    @JsonProperty
    public String directory;

    @Override
    public BlobStore open() {
        return FsBlobStore.open(new FsBlobStoreConfig(Path.of(directory)));
    }
}
