package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.nio.file.Path;
import java.util.ArrayList;
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

    /** Off-site copies of backups; absent: none are made. */
    @Valid
    @JsonProperty
    public OffsiteConfig offsite;

    /** Absent in local mode, where no cluster uses RBD. */
    @Valid
    @JsonProperty
    public CephPoolConfig ceph;

    /**
     * Shelter's own state on this machine (a local cluster's annotations and events live in
     * clusters/&lt;name&gt;): never inside a data directory or volume of a cluster it protects.
     */
    @NotEmpty
    @JsonProperty
    public String stateDirectory = "/var/lib/shelter";

    /** Used by clusters with kubernetes targets; absent means in-cluster. */
    @Valid
    @JsonProperty
    public KubernetesConfig kubernetes = new KubernetesConfig();

    /** restore_command's read-ahead of WAL segments while a restored server replays. */
    @Valid
    @NotNull
    @JsonProperty
    public WalReadAheadConfig walReadAhead = new WalReadAheadConfig();

    /** The scheduler: how many fires at once, misfire graces, this replica's name. */
    @Valid
    @NotNull
    @JsonProperty
    public SchedulesConfig schedules = new SchedulesConfig();

    @ValidationMethod(message = "schedules.defaultMisfireGraceSeconds cannot be more than schedules.mostMisfireGraceSeconds")
    public boolean isDefaultGraceWithinTheMost() {
        return schedules == null || schedules.defaultMisfireGraceSeconds <= schedules.mostMisfireGraceSeconds;
    }

    @ValidationMethod(message = "a cluster with rbd snapshots needs the top-level ceph section")
    public boolean isCephConfiguredWhereUsed() {
        return ceph != null || clusters == null
                || clusters.stream().noneMatch(c -> c.snapshots instanceof RbdSnapshotsConfig);
    }

    @ValidationMethod(message = "a cluster with backups.exportOffsite needs the top-level offsite section")
    public boolean isOffsiteConfiguredWhereUsed() {
        return offsite != null || clusters == null || clusters.stream().noneMatch(c -> c.backups != null && c.backups.exportOffsite);
    }

    /** Where a local cluster's state lives: {@code <stateDirectory>/clusters/<name>}. */
    public Path stateDirectoryOf(String cluster) {
        return Path.of(stateDirectory).toAbsolutePath().normalize().resolve("clusters").resolve(cluster);
    }

    @ValidationMethod(message = "stateDirectory must not be inside the data directory or a volume of a local cluster: "
            + "a rollback would take Shelter's state back in time")
    public boolean isStateOutsideEveryLocalCluster() {
        if (stateDirectory == null || stateDirectory.isBlank() || clusters == null) {
            return true;
        }
        return clusters.stream().filter(c -> c.target instanceof LocalTargetConfig && c.name != null).allMatch(c -> {
            LocalTargetConfig local = (LocalTargetConfig) c.target;
            Path state = stateDirectoryOf(c.name);
            List<String> taken = new ArrayList<>();
            if (local.dataDirectory != null) {
                taken.add(local.dataDirectory);
            }
            if (c.volumes != null) {
                c.volumes.stream().filter(v -> v.source != null).forEach(v -> taken.add(v.source));
            }
            return taken.stream().noneMatch(t -> state.startsWith(Path.of(t).toAbsolutePath().normalize()));
        });
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
