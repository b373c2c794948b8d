package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ClusterSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The clusters Shelter protects, as configured, in configuration order. */
public final class ClusterRegistry {

    private final Map<String, ClusterSpec> byName = new LinkedHashMap<>();

    public ClusterRegistry(List<ClusterSpec> clusters) {
        for (ClusterSpec cluster : clusters) {
            if (byName.putIfAbsent(cluster.name().value(), cluster) != null) {
                throw new IllegalArgumentException("cluster '" + cluster.name() + "' is configured twice");
            }
        }
    }

    public List<ClusterSpec> all() {
        return List.copyOf(byName.values());
    }

    public Optional<ClusterSpec> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The cluster, or {@link UnknownClusterException}: for use cases that act on a named cluster. */
    public ClusterSpec require(String name) {
        return find(name).orElseThrow(() -> new UnknownClusterException(name));
    }
}
