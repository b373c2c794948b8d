package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** POST /clusters/{name}/backups: {@code mode} online (default) or offline; {@code fastCheckpoint} defaults to true. */
public record BackupOrder(@JsonProperty("mode") String mode, @JsonProperty("label") String label,
                          @JsonProperty("fastCheckpoint") Boolean fastCheckpoint) {
}
