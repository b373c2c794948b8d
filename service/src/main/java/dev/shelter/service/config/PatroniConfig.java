package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.HaControl;
import dev.shelter.runbooks.patroni.Etcd3Dcs;
import dev.shelter.runbooks.patroni.PatroniCredentials;
import dev.shelter.runbooks.patroni.PatroniRestClient;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's Patroni: its members' REST APIs (any member answers for the cluster), the REST
 * credentials of {@code restapi.authentication}, and where Patroni keeps its state (etcd v3), which a
 * restore resets so the cluster follows the restored history.
 */
public class PatroniConfig {

    /** Where Patroni keeps the cluster's state: etcd's v3 API, and Patroni's namespace and scope. */
    public static class DcsConfig {

        @NotEmpty
        @Pattern(regexp = "https?://\\S+", message = "must be an http(s) URL")
        @JsonProperty
        public String etcd3;

        @NotEmpty
        @JsonProperty
        public String namespace = "/service";

        @NotEmpty
        @JsonProperty
        public String scope;
    }

    @NotEmpty
    @JsonProperty
    public List<@Pattern(regexp = "https?://\\S+", message = "must be an http(s) URL") String> endpoints;

    @JsonProperty
    public String username;

    @JsonProperty
    public Secret password;

    @Valid
    @NotNull
    @JsonProperty
    public DcsConfig dcs;

    @ValidationMethod(message = "patroni.username and patroni.password go together")
    public boolean isCredentialComplete() {
        return (username == null) == (password == null || password.isEmpty());
    }

    public HaControl open() {
        Optional<PatroniCredentials> credentials = username == null ? Optional.empty()
                : Optional.of(new PatroniCredentials(username, password.reveal()));
        return new PatroniRestClient(endpoints.stream().map(URI::create).toList(), Duration.ofSeconds(5), Duration.ofSeconds(60),
                credentials, Optional.of(new Etcd3Dcs(URI.create(dcs.etcd3), dcs.namespace, dcs.scope, Duration.ofSeconds(5))));
    }
}
