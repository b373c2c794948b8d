package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.service.auth.Role;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/** One API bearer token: who holds it, and what it may do. */
public class TokenConfig {

    @NotEmpty
    @JsonProperty
    public String name;

    @NotNull
    @JsonProperty
    public Role role;

    /** The token itself, usually {@code file:/run/secrets/...}. At least 16 characters. */
    @NotNull
    @JsonProperty
    public Secret token;
}
