package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.cluster.ClusterSpec;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.util.List;

/** One protected PostgreSQL cluster. */
public class ClusterConfig {

    @NotEmpty
    @Pattern(regexp = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", message = "must be a DNS-1123 label (lower-case letters, digits, '-')")
    @JsonProperty
    public String name;

    @Valid
    @NotNull
    @JsonProperty
    public TargetConfig target;

    @Valid
    @NotNull
    @JsonProperty
    public PostgresConfig postgres;

    @Valid
    @NotEmpty
    @BackupSet
    @JsonProperty
    public List<VolumeConfig> volumes;

    @Valid
    @NotNull
    @JsonProperty
    public SnapshotsConfig snapshots;

    @Valid
    @JsonProperty
    public WalArchiveConfig walArchive = new WalArchiveConfig();

    @Valid
    @JsonProperty
    public BackupPolicyConfig backups = new BackupPolicyConfig();

    @Valid
    @JsonProperty
    public HooksConfig hooks = new HooksConfig();

    @Valid
    @JsonProperty
    public RestoreConfig restore = new RestoreConfig();

    /** Which backups the cluster keeps; absent: none is ever deleted by a sweep. */
    @Valid
    @JsonProperty
    public RetentionConfig retention;

    /** The cluster's Patroni, if Patroni manages it: restores pause it, reset its state and rebuild its replicas. */
    @Valid
    @JsonProperty
    public PatroniConfig patroni;

    public ClusterSpec toSpec() {
        return new ClusterSpec(new ClusterName(name), target.toTarget(), postgres.toEndpoint(),
                volumes.stream().map(VolumeConfig::toSpec).toList());
    }
}
