package dev.shelter.service.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** {@code POST /api/v1/clusters/{name}/inspection}: how long to wait for the server (default 5 s). */
public record InspectionRequest(@Min(1) @Max(60) Integer timeoutSeconds) {

    public int timeoutSecondsOrDefault() {
        return timeoutSeconds == null ? 5 : timeoutSeconds;
    }
}
