package dev.shelter.service.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** POST /backups/{id}/scrub: the share of the copy's chunks to read back, 0 to 100 (absent: all of them). */
public record ScrubOrder(@JsonProperty("sample") Double sample) {
}
