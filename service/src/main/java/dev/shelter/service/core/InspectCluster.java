package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.postgres.ServerInspector;

import java.time.Duration;

/** Asks a configured cluster's PostgreSQL what it is: version, role, system identifier, timeline, LSN. */
public final class InspectCluster {

    private final ClusterRegistry clusters;
    private final ServerInspector inspector;

    public InspectCluster(ClusterRegistry clusters, ServerInspector inspector) {
        this.clusters = clusters;
        this.inspector = inspector;
    }

    public ServerFacts inspect(String clusterName, Duration timeout) {
        ClusterSpec cluster = clusters.require(clusterName).spec();
        return inspector.inspect(cluster.postgres(), timeout);
    }
}
