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

    /**
     * The primary's volume that holds PGDATA, as {@link ClusterControl#members()} names it (a claim,
     * or the configured source locally): where {@link ClusterControl#readControlFile} reads once the
     * cluster is stopped. Asked while it runs, since a stopped cluster has no members to follow.
     */
    String pgdataClaim(List<VolumeSpec> volumes);

    /** The configured sources, as they are. */
    static BackupSetLocator asConfigured() {
        return new BackupSetLocator() {
            @Override
            public List<String> locate(List<VolumeSpec> volumes) {
                return volumes.stream().map(VolumeSpec::source).toList();
            }

            @Override
            public String pgdataClaim(List<VolumeSpec> volumes) {
                return pgdataOf(volumes).source();
            }
        };
    }

    /** The set's one pgdata volume ({@link ClusterSpec} guarantees there is exactly one). */
    static VolumeSpec pgdataOf(List<VolumeSpec> volumes) {
        return volumes.stream().filter(v -> v.role() == VolumeRole.PGDATA).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the backup set has no pgdata volume: " + volumes));
    }
}
