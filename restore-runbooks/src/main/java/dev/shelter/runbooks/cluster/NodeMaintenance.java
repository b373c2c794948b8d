package dev.shelter.runbooks.cluster;

import java.time.Duration;
import java.util.List;

/**
 * Taking a node out of service and back, as {@code kubectl cordon/drain/uncordon} do. Only targets
 * that have nodes offer it ({@link ClusterControl#nodeMaintenance()}).
 */
public interface NodeMaintenance {

    /** Marks the node unschedulable. Idempotent. */
    void cordon(String node);

    /**
     * Cordons the node, evicts the cluster's pods on it through the Eviction API (so a
     * PodDisruptionBudget is respected: a refused eviction is retried until the timeout, never
     * replaced by a delete), and waits until they are gone. Returns the evicted pods' names.
     */
    List<String> drain(String node, Duration timeout);

    /** Marks the node schedulable again. Idempotent. */
    void uncordon(String node);

    boolean isCordoned(String node);
}
