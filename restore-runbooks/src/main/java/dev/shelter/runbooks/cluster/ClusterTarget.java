package dev.shelter.runbooks.cluster;

/** Where a cluster runs, and so which adapter scales, stops and starts it. */
public sealed interface ClusterTarget permits LocalTarget, KubernetesTarget {

    /** The target's kind as configuration and the API spell it. */
    String kind();
}
