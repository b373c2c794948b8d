package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.shelter.storage.blob.BlobStore;

/** The off-site repository: {@code kind: filesystem} (local mode) or {@code kind: s3}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = FilesystemStoreConfig.class, name = "filesystem"),
        @JsonSubTypes.Type(value = S3StoreConfig.class, name = "s3")})
public interface ObjectStoreConfig {

    BlobStore open();
}
