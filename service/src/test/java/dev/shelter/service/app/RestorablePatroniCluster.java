package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.patroni.PatroniCredentials;
import dev.shelter.runbooks.patroni.PatroniRestClient;
import dev.shelter.testing.LocalPatroniCluster;
import dev.shelter.testing.PatroniBinaries;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.ScratchDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-member Patroni cluster (Patroni 3.0, etcd, PostgreSQL 15) that Shelter can restore: it
 * archives through Shelter's WAL endpoint with an operator token in a file its servers can read, and
 * pg0 leads, since Shelter is configured with pg0's data directory. Shelter's port is chosen up
 * front: the restore_command in a restored server must reach it after a restart too.
 */
final class RestorablePatroniCluster implements AutoCloseable {

    static final String OPERATOR = "restorable-patroni-operator-token";
    static final String BATCHES_BY_COUNT = "SELECT coalesce(string_agg(batch || ':' || n, ',' ORDER BY batch), '') FROM "
            + "(SELECT batch, count(*) AS n FROM pitr GROUP BY batch) b";

    final LocalPatroniCluster patroni;
    final LocalPatroniCluster.Member primary;
    final LocalPatroniCluster.Member replica;
    final Path tokenFile;
    final int shelterPort;

    private RestorablePatroniCluster(LocalPatroniCluster patroni, Path tokenFile, int shelterPort) {
        this.patroni = patroni;
        this.primary = patroni.member("pg0");
        this.replica = patroni.member("pg1");
        this.tokenFile = tokenFile;
        this.shelterPort = shelterPort;
    }

    /** Started, archiving to the Shelter that will listen on {@link #shelterPort} for cluster {@code cluster}; pg0 leads. */
    static RestorablePatroniCluster start(PatroniBinaries binaries, PostgresBinaries postgres, ScratchDirectory scratch, String cluster)
            throws IOException {
        // Each member's PostgreSQL (the postgres OS user) reads the operator token for archive_command and restore_command.
        Files.setPosixFilePermissions(scratch.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tokenFile = scratch.resolve("operator-token");
        Files.writeString(tokenFile, OPERATOR + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        int port = Ports.reserve();
        String archiveCommand = "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: "
                + "application/octet-stream\" --data-binary \"@%p\" http://127.0.0.1:" + port + "/api/v1/clusters/" + cluster + "/wal/%f";
        RestorablePatroniCluster restorable = new RestorablePatroniCluster(LocalPatroniCluster.start(binaries, postgres, 2,
                Map.of("archive_mode", "on", "track_commit_timestamp", "on", "archive_command", archiveCommand)), tokenFile, port);
        restorable.ha().switchover(restorable.primary.name(), Duration.ofMinutes(2));
        return restorable;
    }

    PatroniRestClient ha() {
        return new PatroniRestClient(patroni.restEndpoints(), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Optional.of(new PatroniCredentials(patroni.restUsername(), patroni.restPassword())));
    }

    /** The clusters section: pg0's data directory as a local target, local-directory snapshots, restores on, and its Patroni. */
    String clustersSection(String name, PostgresBinaries postgres, Path snapshots) {
        return """
                clusters:
                  - name: %s
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    backups: {walTimeoutSeconds: 120}
                    restore: {walUrl: "http://127.0.0.1:%d", tokenFile: "%s", recoveryTimeoutMinutes: 4}
                    patroni:
                      endpoints: [%s]
                      username: %s
                      password: "%s"
                      dcs: {etcd3: "%s", scope: %s}
                """.formatted(name, primary.dataDirectory(), postgres.directory(), primary.postgresPort(), patroni.superuserPassword(),
                primary.dataDirectory(), snapshots, shelterPort, tokenFile,
                String.join(", ", patroni.restEndpoints().stream().map(uri -> "\"" + uri + "\"").toList()),
                patroni.restUsername(), patroni.restPassword(), patroni.etcdEndpoint(), LocalPatroniCluster.SCOPE);
    }

    /**
     * Patroni resumed, pg0 leading with pg1 rebuilt and streaming {@code timeline} and holding the
     * primary's rows of the pitr table, every Patroni process running, and no log saying "system ID mismatch".
     */
    void assertHealthyOn(long timeline) throws Exception {
        JsonNode cluster = new ObjectMapper().readTree(patroni.clusterJson());
        assertFalse(cluster.path("pause").asBoolean(false), "Patroni is resumed: " + cluster);
        assertEquals(primary.name(), patroni.awaitLeaderWithStreamingReplicas(Duration.ofMinutes(2)));
        assertEquals(Long.toString(timeline), patroni.queryValue(replica.postgresPort(),
                "SELECT received_tli::text FROM pg_stat_wal_receiver"), "the replica streams the new timeline");
        patroni.awaitQueryValue(replica.postgresPort(), BATCHES_BY_COUNT, patroni.queryValue(primary.postgresPort(), BATCHES_BY_COUNT),
                Duration.ofMinutes(1));
        for (LocalPatroniCluster.Member member : patroni.members()) {
            assertTrue(patroni.patroniRuns(member), member.name() + "'s Patroni runs\n" + patroni.logTails());
            assertFalse(patroni.logOf(member).contains("system ID mismatch"), member.name() + " reports a system ID mismatch");
        }
    }

    @Override
    public void close() {
        patroni.close();
    }
}
