package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;

/**
 * Where the cluster's archive_command puts WAL, so that a backup can check that the WAL through its
 * stop LSN is there. {@code store} defaults to the object store, {@code prefix} to "wal/<cluster>/".
 */
public class WalArchiveConfig {

    @Valid
    @JsonProperty
    public ObjectStoreConfig store;

    @JsonProperty
    public String prefix;
}
