package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** PUT /backups/{id}/protection: {@code reason} says why the backup must stay (1-200 characters, one line). */
public record ProtectionOrder(@JsonProperty("reason") String reason) {
}
