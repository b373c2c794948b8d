package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;

import java.util.List;

/** Hooks around a backup: {@code pre} run before backup mode starts (a failure fails the backup), {@code post} after it completes. */
public class HooksConfig {

    @Valid
    @JsonProperty
    public List<HookConfig> pre = List.of();

    @Valid
    @JsonProperty
    public List<HookConfig> post = List.of();
}
