package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.ClusterName;

/**
 * The archive_command of a new cluster a restore made: each file PUT to Shelter's endpoint of that
 * cluster's own archive. curl fails on any answer but 2xx (409, other bytes under the same name,
 * included), so PostgreSQL keeps the file and tries again rather than losing it.
 */
public final class ArchiveCommand {

    private ArchiveCommand() {
    }

    /** {@code baseUrl} and {@code tokenFile} are checked by the configuration: no quotes, spaces or $. */
    public static String curlIntoNewCluster(String baseUrl, ClusterName source, ClusterName newCluster, String tokenFile) {
        return "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: application/octet-stream\" "
                + "--data-binary \"@%p\" " + baseUrl.replaceAll("/+$", "") + "/api/v1/clusters/" + source.value() + "/new-clusters/"
                + newCluster.value() + "/wal/%f";
    }
}
