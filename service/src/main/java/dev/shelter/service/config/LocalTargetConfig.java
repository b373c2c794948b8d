package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.ClusterTarget;
import dev.shelter.runbooks.cluster.LocalTarget;
import jakarta.validation.constraints.NotEmpty;

import java.nio.file.Path;

/** A PostgreSQL server on this machine (local mode). */
public class LocalTargetConfig implements TargetConfig {

    @NotEmpty
    @JsonProperty
    public String dataDirectory;

    @NotEmpty
    @JsonProperty
    public String binDirectory = "/usr/lib/postgresql/15/bin";

    @NotEmpty
    @JsonProperty
    public String osUser = "postgres";

    @Override
    public ClusterTarget toTarget() {
        return new LocalTarget(Path.of(dataDirectory), Path.of(binDirectory), osUser);
    }

    @Override
    public java.util.Optional<dev.shelter.runbooks.restore.RecoveryFilesTarget> recoveryFiles() {
        return java.util.Optional.of(new dev.shelter.runbooks.local.LocalRecoveryFiles((dev.shelter.runbooks.cluster.LocalTarget) toTarget()));
    }
}
