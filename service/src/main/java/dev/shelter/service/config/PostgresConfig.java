package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;

/** How Shelter logs in to a cluster's PostgreSQL (a superuser, or a role granted backup functions). */
public class PostgresConfig {

    @NotEmpty
    @Pattern(regexp = "jdbc:postgresql:.*", message = "must start with jdbc:postgresql:")
    @JsonProperty
    public String jdbcUrl;

    @NotEmpty
    @JsonProperty
    public String user = "postgres";

    @JsonProperty
    public Secret password = Secret.parse("");

    public PostgresEndpoint toEndpoint() {
        return new PostgresEndpoint(jdbcUrl, user, password.reveal());
    }
}
