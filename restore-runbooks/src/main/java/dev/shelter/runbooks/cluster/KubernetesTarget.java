package dev.shelter.runbooks.cluster;

import java.util.Objects;

/** A PostgreSQL StatefulSet (plain or Patroni-managed) in a namespace. */
public record KubernetesTarget(String namespace, String statefulSet) implements ClusterTarget {

    public KubernetesTarget {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(statefulSet, "statefulSet");
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public String toString() {
        return namespace + "/" + statefulSet;
    }
}
