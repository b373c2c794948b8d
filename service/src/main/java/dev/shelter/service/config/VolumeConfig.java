package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

/** One volume of the backup set: {@code role} pgdata, pgwal or tablespace (with {@code name}). */
public class VolumeConfig {

    @NotNull
    @JsonProperty
    public VolumeRole role;

    @JsonProperty
    public String name;

    /** A directory in local mode; the PVC template name on Kubernetes. */
    @NotEmpty
    @JsonProperty
    public String source;

    public VolumeSpec toSpec() {
        return new VolumeSpec(role, name, source);
    }
}
