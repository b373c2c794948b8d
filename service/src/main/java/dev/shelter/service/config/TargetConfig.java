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
}
