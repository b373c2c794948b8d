package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.BackupSetLocator;
import dev.shelter.runbooks.cluster.ClusterTarget;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.runbooks.kubernetes.KubernetesRecoveryFiles;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.VolumeSwap;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.util.Optional;

/** A PostgreSQL StatefulSet in a namespace, and how its volumes are laid out for the jobs Shelter runs on them. */
public class KubernetesTargetConfig implements TargetConfig {

    @NotEmpty
    @JsonProperty
    public String namespace;

    @NotEmpty
    @JsonProperty
    public String statefulSet;

    /** Where PGDATA is inside the pgdata claim: Spilo's pgroot/data by default; "" for the claim's root. */
    @NotNull
    @Pattern(regexp = "(?!/)(?!.*(^|/)\\.\\.(/|$)).*", message = "must be a path relative to the claim's root, without '..'")
    @JsonProperty
    public String pgdataPath = KubernetesClusterControl.Settings.DEFAULTS.pgdataPath();

    /** The image of the jobs that mount a stopped member's claim (sh, head, base64); absent: the StatefulSet's own. */
    @JsonProperty
    public String volumeJobImage;

    @Override
    public ClusterTarget toTarget() {
        return new KubernetesTarget(namespace, statefulSet);
    }

    public KubernetesClusterControl.Settings settings() {
        return new KubernetesClusterControl.Settings(pgdataPath,
                Optional.ofNullable(volumeJobImage).filter(image -> !image.isBlank()));
    }

    /**
     * A restore-prepare job of Shelter's own image on the pgdata claim of ordinal 0: the member a
     * StatefulSet scaled to 1 runs, so the one that recovers.
     */
    @Override
    public Optional<RecoveryFilesTarget> recoveryFiles(ProtectedCluster cluster, KubernetesConfig kubernetes) {
        if (!(cluster.control() instanceof KubernetesClusterControl control)) {
            return Optional.empty();
        }
        String claim = BackupSetLocator.pgdataOf(cluster.spec().volumes()).source() + "-" + statefulSet + "-0";
        return kubernetes.shelterImage().map(image -> new KubernetesRecoveryFiles(control, claim, settings().pgdataPath(), image));
    }

    /** Ordinal 0's claims rebound to volumes of the clones (ordinal 0 is the member that recovers). */
    @Override
    public Optional<VolumeSwap> volumeSwap(ProtectedCluster cluster, java.nio.file.Path stateDirectory) {
        if (!(cluster.control() instanceof KubernetesClusterControl control)) {
            return Optional.empty();
        }
        java.util.Map<String, String> claims = new java.util.LinkedHashMap<>();
        cluster.spec().volumes().forEach(volume -> claims.put(volume.name(), volume.source() + "-" + statefulSet + "-0"));
        return Optional.of(control.volumeSwap(claims, cluster.snapshotter()));
    }
}
