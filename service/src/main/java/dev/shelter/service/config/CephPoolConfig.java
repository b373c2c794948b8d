package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.storage.rbd.CephConfig;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;

import java.nio.file.Path;
import java.time.Duration;

/** The Ceph cluster and pool that hold the clusters' RBD images. Absent in local mode. */
public class CephPoolConfig {

    @NotEmpty
    @JsonProperty
    public String configFile;

    @NotEmpty
    @JsonProperty
    public String user = "admin";

    @NotEmpty
    @JsonProperty
    public String keyringFile;

    @NotEmpty
    @JsonProperty
    public String pool;

    @Min(1)
    @Max(300)
    @JsonProperty
    public int operationTimeoutSeconds = 15;

    public CephConfig toCephConfig() {
        return new CephConfig(Path.of(configFile), user, Path.of(keyringFile), pool, Duration.ofSeconds(operationTimeoutSeconds));
    }
}
