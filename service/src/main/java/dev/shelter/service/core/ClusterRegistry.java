package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.cluster.ProtectedCluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The clusters Shelter protects, as configured, in configuration order: the one place a use case looks a cluster up. */
public final class ClusterRegistry {

    private final Map<String, ProtectedCluster> byName = new LinkedHashMap<>();

    public ClusterRegistry(List<ProtectedCluster> clusters) {
        for (ProtectedCluster cluster : clusters) {
            if (byName.putIfAbsent(cluster.name(), cluster) != null) {
                throw new IllegalArgumentException("cluster '" + cluster.name() + "' is configured twice");
            }
        }
    }

    public List<ProtectedCluster> all() {
        return List.copyOf(byName.values());
    }

    /** What each cluster is, as configured: for views. */
    public List<ClusterSpec> specs() {
        return byName.values().stream().map(ProtectedCluster::spec).toList();
    }

    public ClusterSpec requireSpec(String name) {
        return require(name).spec();
    }

    public Optional<ProtectedCluster> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The cluster, or {@link UnknownClusterException} (404): for use cases that act on a named cluster. */
    public ProtectedCluster require(String name) {
        return find(name).orElseThrow(() -> new UnknownClusterException(name));
    }
}
