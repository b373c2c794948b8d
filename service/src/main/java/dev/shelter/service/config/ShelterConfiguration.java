package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Shelter's YAML configuration; see README "Configuration". ${VAR} is replaced from the environment. */
public class ShelterConfiguration extends Configuration {

    @Valid
    @NotNull
    @JsonProperty
    public AuthConfig auth;

    @Valid
    @NotEmpty
    @JsonProperty
    public List<ClusterConfig> clusters;

    @Valid
    @NotNull
    @JsonProperty
    public ObjectStoreConfig objectStore;

    @Valid
    @JsonProperty
    public CatalogConfig catalog = new CatalogConfig();

    /** Absent in local mode, where no cluster uses RBD. */
    @Valid
    @JsonProperty
    public CephPoolConfig ceph;

    /** Used by clusters with kubernetes targets; absent means in-cluster. */
    @Valid
    @JsonProperty
    public KubernetesConfig kubernetes = new KubernetesConfig();

    @ValidationMethod(message = "a cluster with rbd snapshots needs the top-level ceph section")
    public boolean isCephConfiguredWhereUsed() {
        return ceph != null || clusters == null
                || clusters.stream().noneMatch(c -> c.snapshots instanceof RbdSnapshotsConfig);
    }

    @ValidationMethod(message = "cluster names must be unique")
    public boolean isEachClusterNamedOnce() {
        Set<String> names = new HashSet<>();
        return clusters == null || clusters.stream().allMatch(c -> c.name == null || names.add(c.name));
    }

    @ValidationMethod(message = "token names must be unique and every token at least 16 characters long")
    public boolean isEachTokenUsable() {
        if (auth == null || auth.tokens == null) {
            return true;
        }
        Set<String> names = new HashSet<>();
        return auth.tokens.stream().allMatch(t -> t.name == null || t.token == null
                || (names.add(t.name) && t.token.reveal().length() >= 16));
    }
}
