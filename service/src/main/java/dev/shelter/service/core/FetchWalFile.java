package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.wal.WalFileName;

import java.util.Map;
import java.util.Optional;

/** restore_command's side of the archive endpoint: the file's bytes, or "not archived". Never touches PostgreSQL. */
public final class FetchWalFile {

    private final Map<String, ProtectedCluster> clusters;

    public FetchWalFile(Map<String, ProtectedCluster> clusters) {
        this.clusters = Map.copyOf(clusters);
    }

    public byte[] fetch(String clusterName, String fileName) {
        ProtectedCluster cluster = Optional.ofNullable(clusters.get(clusterName))
                .orElseThrow(() -> new UnknownClusterException(clusterName));
        WalFileName name = ArchiveWalFile.parse(fileName);
        return cluster.walArchive().fetch(name).orElseThrow(() -> new UnknownWalFileException(clusterName, fileName));
    }
}
