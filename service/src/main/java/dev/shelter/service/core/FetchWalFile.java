package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.wal.WalFileName;

/** restore_command's side of the archive endpoint: the file's bytes, or "not archived". Never touches PostgreSQL. */
public final class FetchWalFile {

    private final ClusterRegistry clusters;

    public FetchWalFile(ClusterRegistry clusters) {
        this.clusters = clusters;
    }

    public byte[] fetch(String clusterName, String fileName) {
        ProtectedCluster cluster = clusters.require(clusterName);
        WalFileName name = ArchiveWalFile.parse(fileName);
        return cluster.walArchive().fetch(name).orElseThrow(() -> new UnknownWalFileException(clusterName, fileName));
    }
}
