package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;

import java.util.List;

/** Bearer tokens for the REST API. */
public class AuthConfig {

    @Valid
    @NotEmpty
    @JsonProperty
    public List<TokenConfig> tokens;
}
