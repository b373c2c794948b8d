package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotEmpty;

/** Copies of the volume directories, kept under {@code directory} (outside every volume). */
public class LocalDirectorySnapshotsConfig implements SnapshotsConfig {

    @NotEmpty
    @JsonProperty
    public String directory;
}
