package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * How far restore_command's reads run ahead of a restored server's replay: {@code segments} WAL
 * segments after the one asked for (0: none), {@code parallel} of them fetched from the archive at
 * once (for all clusters). Memory is about segments × 16 MiB per restoring cluster.
 */
public class WalReadAheadConfig {

    @Min(0)
    @Max(64)
    @JsonProperty
    public int segments = 8;

    @Min(1)
    @Max(32)
    @JsonProperty
    public int parallel = 4;
}
