package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.runbooks.cluster.ClusterTarget;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import jakarta.validation.constraints.NotEmpty;

/** A PostgreSQL StatefulSet in a namespace. */
public class KubernetesTargetConfig implements TargetConfig {

    @NotEmpty
    @JsonProperty
    public String namespace;

    @NotEmpty
    @JsonProperty
    public String statefulSet;

    @Override
    public ClusterTarget toTarget() {
        return new KubernetesTarget(namespace, statefulSet);
    }
}
