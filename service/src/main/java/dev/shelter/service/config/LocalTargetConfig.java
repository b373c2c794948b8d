package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.ClusterTarget;
import dev.shelter.runbooks.cluster.LocalTarget;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.local.LocalRecoveryFiles;
import dev.shelter.runbooks.local.LocalVolumeSwap;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.VolumeSwap;
import jakarta.validation.constraints.NotEmpty;

import java.nio.file.Path;
import java.util.Optional;

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
    public Optional<RecoveryFilesTarget> recoveryFiles(ProtectedCluster cluster, KubernetesConfig kubernetes) {
        return Optional.of(new LocalRecoveryFiles((LocalTarget) toTarget()));
    }

    @Override
    public Optional<VolumeSwap> volumeSwap(ProtectedCluster cluster, Path stateDirectory) {
        return Optional.of(new LocalVolumeSwap(cluster.name(), stateDirectory, cluster.snapshotter()));
    }
}
