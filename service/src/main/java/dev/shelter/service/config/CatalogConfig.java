package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;

/**
 * The catalog index: {@code kind: memory} (local mode; rebuilt from the manifests at startup) or
 * {@code kind: postgres} with a {@code postgres} connection to a database of its own, never one
 * inside a cluster Shelter restores.
 */
public class CatalogConfig {

    @JsonProperty
    public String kind = "memory";

    @Valid
    @JsonProperty
    public PostgresConfig postgres;

    @ValidationMethod(message = "catalog kind must be memory, or postgres with a postgres connection")
    public boolean isUsable() {
        return "memory".equals(kind) || ("postgres".equals(kind) && postgres != null);
    }
}
