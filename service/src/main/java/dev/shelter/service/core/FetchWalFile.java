package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.wal.WalFileName;

/**
 * restore_command's side of the archive endpoint: the file's bytes, or "not archived", with the
 * next segments read ahead while PostgreSQL replays this one. Never touches PostgreSQL.
 */
public final class FetchWalFile {

    private final ClusterRegistry clusters;
    private final WalReadAhead readAhead;

    public FetchWalFile(ClusterRegistry clusters, WalReadAhead readAhead) {
        this.clusters = clusters;
        this.readAhead = readAhead;
    }

    public byte[] fetch(String clusterName, String fileName) {
        ProtectedCluster cluster = clusters.require(clusterName);
        WalFileName name = ArchiveWalFile.parse(fileName);
        return readAhead.fetch(cluster.spec().name(), cluster.walArchive(), name)
                .orElseThrow(() -> new UnknownWalFileException(clusterName, fileName));
    }
}
