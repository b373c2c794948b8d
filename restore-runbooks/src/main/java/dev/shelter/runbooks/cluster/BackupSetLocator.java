package dev.shelter.runbooks.cluster;

import java.util.List;

/**
 * Where each volume of a cluster's backup set is right now, as the snapshotter names it. In local
 * mode that is the configured source; on Kubernetes it follows the primary pod's claim to its RBD
 * image, because the image behind a claim is only known once the claim is bound.
 */
public interface BackupSetLocator {

    /** One entry per volume of {@code volumes}, in the same order. */
    List<String> locate(List<VolumeSpec> volumes);

    /** The configured sources, as they are. */
    static BackupSetLocator asConfigured() {
        return volumes -> volumes.stream().map(VolumeSpec::source).toList();
    }
}
