package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.shelter.runbooks.cluster.ClusterTarget;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;
import dev.shelter.runbooks.restore.VolumeSwap;

import java.util.Optional;

/** Where a cluster runs: {@code kind: local} or {@code kind: kubernetes}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LocalTargetConfig.class, name = "local"),
        @JsonSubTypes.Type(value = KubernetesTargetConfig.class, name = "kubernetes")})
public interface TargetConfig {

    ClusterTarget toTarget();

    /**
     * Where a restore of {@code cluster} writes its recovery files on this kind of target; empty where
     * it cannot (on Kubernetes, while {@code kubernetes.shelterImage} is not configured).
     */
    Optional<RecoveryFilesTarget> recoveryFiles(ProtectedCluster cluster, KubernetesConfig kubernetes);

    /**
     * How a clone-and-swap restore of {@code cluster} points its volumes at the clones; empty where
     * this kind of target cannot yet. {@code stateDirectory} is Shelter's own directory of the cluster.
     */
    Optional<VolumeSwap> volumeSwap(ProtectedCluster cluster, java.nio.file.Path stateDirectory);
}
