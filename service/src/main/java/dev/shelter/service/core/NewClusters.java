package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.plan.restore.RestoreRun;
import dev.shelter.runbooks.restore.RecoveryFilesTarget;

import java.util.Map;

/**
 * Where a cluster's restores into a new cluster put it, as its target allows: locally a new data
 * directory and port. What a request asks is checked and journaled as facts, and the new cluster is
 * made again from those facts alone, after a restart as on the first day.
 */
public interface NewClusters {

    /** Where the request puts the new cluster (all optional in the interface; each target says what it needs). */
    record Order(String dataDirectory, Integer port, String host, String namespace, String name) {
    }

    /** The new cluster as placed, and where its recovery files go. */
    record Placed(RestoreRun.NewCluster newCluster, RecoveryFilesTarget recoveryFiles) {
    }

    /** The order as journal facts (names without the newCluster. prefix); an {@link InvalidRequestException} says what is wrong. */
    Map<String, String> facts(Order order);

    /** The new cluster named {@code name}, placed as the facts say; nothing is made yet. */
    Placed place(ProtectedCluster source, String name, Map<String, String> facts);
}
