package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** How a cluster's volumes are snapshotted: {@code kind: local-directory} or {@code kind: rbd}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LocalDirectorySnapshotsConfig.class, name = "local-directory"),
        @JsonSubTypes.Type(value = RbdSnapshotsConfig.class, name = "rbd")})
public interface SnapshotsConfig {
}
