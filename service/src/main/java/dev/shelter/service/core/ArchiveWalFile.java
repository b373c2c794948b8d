package dev.shelter.service.core;

import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.postgres.ServerInspector;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.runbooks.wal.WalPageHeader;

import java.time.Duration;

/**
 * archive_command's side of the archive endpoint: checks the name, and for a segment that its
 * content is the segment the name says, then stores it, idempotently and never over other bytes.
 */
public final class ArchiveWalFile {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final ClusterRegistry clusters;
    private final ServerInspector inspector;
    private final RestoreCluster restores;

    public ArchiveWalFile(ClusterRegistry clusters, ServerInspector inspector, RestoreCluster restores) {
        this.clusters = clusters;
        this.inspector = inspector;
        this.restores = restores;
    }

    public WalArchive.Stored archive(String clusterName, String fileName, byte[] content) {
        return archive(clusters.require(clusterName), fileName, content);
    }

    /** Into the archive of a new cluster a restore of {@code source} made: its own, apart from the source's. */
    public WalArchive.Stored archiveIntoNewCluster(String source, String newCluster, String fileName, byte[] content) {
        return archive(restores.newCluster(source, newCluster), fileName, content);
    }

    private WalArchive.Stored archive(ProtectedCluster cluster, String fileName, byte[] content) {
        WalFileName name = parse(fileName);
        if (name.namesSegmentContent()) {
            try {
                WalPageHeader.parse(content).requireMatches(name, content.length);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("refused " + fileName + ": " + e.getMessage());
            }
        } else if (content.length == 0) {
            throw new InvalidRequestException("refused " + fileName + ": it is empty");
        } else if (name.kind() == WalFileName.Kind.HISTORY && name.timeline().id() == 1) {
            throw new InvalidRequestException("refused " + fileName + ": timeline 1 has no history file; PostgreSQL never archives one");
        }
        // A history file arriving before any segment: the archive learns its system from the server.
        return cluster.walArchive().store(name, content,
                () -> inspector.inspect(cluster.spec().postgres(), PROBE_TIMEOUT).systemIdentifier());
    }

    static WalFileName parse(String fileName) {
        try {
            return WalFileName.parse(fileName);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }
}
