package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.shelter.runbooks.cluster.ClusterTarget;

/** Where a cluster runs: {@code kind: local} or {@code kind: kubernetes}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LocalTargetConfig.class, name = "local"),
        @JsonSubTypes.Type(value = KubernetesTargetConfig.class, name = "kubernetes")})
public interface TargetConfig {

    ClusterTarget toTarget();

    /** Where a restore writes its recovery files on this kind of target; empty where restores cannot write them yet. */
    java.util.Optional<dev.shelter.runbooks.restore.RecoveryFilesTarget> recoveryFiles();
}
