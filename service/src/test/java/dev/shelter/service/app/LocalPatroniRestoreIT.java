package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.runbooks.patroni.Etcd3Dcs;
import dev.shelter.runbooks.patroni.PatroniCredentials;
import dev.shelter.runbooks.patroni.PatroniDcs;
import dev.shelter.runbooks.patroni.PatroniRestClient;
import dev.shelter.testing.LocalPatroniCluster;
import dev.shelter.testing.PatroniBinaries;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPatroni;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point-in-time restores of a two-member Patroni cluster (Patroni 3.0 and etcd, real PostgreSQL 15)
 * that archives through Shelter. Shelter restores the leader's data directory with Patroni paused,
 * makes Patroni forget the old history (its etcd keys), rebuilds the replica from the restored
 * primary and resumes Patroni. Twice from the same backup: each lands on a new timeline with exactly
 * the rows up to its target, on both members, with Patroni running everywhere and no member
 * refused for its system identifier.
 */
@RealPatroni
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalPatroniRestoreIT {

    private static final String ADMIN = "patroni-restore-it-admin-token";
    private static final String OPERATOR = "patroni-restore-it-operator-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);

    private final PatroniBinaries patroniBinaries;
    private final PostgresBinaries postgres;
    private ScratchDirectory scratch;
    private LocalPatroniCluster patroni;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private LocalPatroniCluster.Member primary;
    private LocalPatroniCluster.Member replica;
    private String backup;
    /** The timeline the batches are written on: the switchover to pg0 may have begun a new one. */
    private long batchTimeline;

    LocalPatroniRestoreIT(PatroniBinaries patroniBinaries, PostgresBinaries postgres) {
        this.patroniBinaries = patroniBinaries;
        this.postgres = postgres;
    }

    @BeforeAll
    void startPatroniArchivingThroughShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-patroni-restore-it");
        // Each member's PostgreSQL (the postgres OS user) reads the operator token for archive_command and restore_command.
        Files.setPosixFilePermissions(scratch.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tokenFile = scratch.resolve("operator-token");
        Files.writeString(tokenFile, OPERATOR + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        int port = Ports.reserve();
        String archiveCommand = "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: "
                + "application/octet-stream\" --data-binary \"@%p\" http://127.0.0.1:" + port + "/api/v1/clusters/ha/wal/%f";
        patroni = LocalPatroniCluster.start(patroniBinaries, postgres, 2, Map.of("archive_mode", "on", "track_commit_timestamp", "on",
                "archive_command", archiveCommand));
        primary = patroni.member("pg0");
        replica = patroni.member("pg1");
        PatroniRestClient ha = new PatroniRestClient(patroni.restEndpoints(), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Optional.of(new PatroniCredentials(patroni.restUsername(), patroni.restPassword())));
        // Shelter restores the data directory it is configured with: pg0's, so pg0 leads.
        ha.switchover(primary.name(), Duration.ofMinutes(2));

        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(OPERATOR))
                .replaceFirst("port: 0", "port: " + port) + """
                clusters:
                  - name: ha
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
                objectStore: {kind: filesystem, directory: "%s"}
                """.formatted(primary.dataDirectory(), postgres.directory(), primary.postgresPort(), patroni.superuserPassword(),
                primary.dataDirectory(), scratch.resolve("snapshots"), port, tokenFile,
                String.join(", ", patroni.restEndpoints().stream().map(uri -> "\"" + uri + "\"").toList()),
                patroni.restUsername(), patroni.restPassword(), patroni.etcdEndpoint(), LocalPatroniCluster.SCOPE,
                scratch.resolve("store")));
        shelter = InProcessShelter.startOn(config, ADMIN);
        restores = new RestoresThroughApi(shelter.client(), "ha", RESTORE_TIMEOUT, patroni::logTails);

        table = new BatchedTable(() -> connect(primary));
        table.create();
        backup = restores.backUp("before the batches");
        batchTimeline = Long.parseLong(patroni.queryValue(primary.postgresPort(),
                "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16);
        for (int i = 0; i < 4; i++) {
            table.commitNext();
        }
    }

    @AfterAll
    void stopEverything() {
        try {
            if (shelter != null) {
                shelter.close();
            }
        } finally {
            if (patroni != null) {
                patroni.close();
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void twoRestoresFromOneBackupEachComeBackWithTheNewHistoryOnBothMembers() throws Exception {
        PatroniDcs dcs = new Etcd3Dcs(patroni.etcdEndpoint(), "/service", LocalPatroniCluster.SCOPE, Duration.ofSeconds(5));
        long initializedAt = dcs.get("initialize").orElseThrow().createRevision();
        String system = patroni.queryValue(primary.postgresPort(), "SELECT system_identifier::text FROM pg_control_system()");

        long first = restoreAndCompare("{\"lsn\": \"" + table.batch(2).lsnAfter() + "\", \"timeline\": " + batchTimeline + "}", 2);
        long afterFirst = dcs.get("initialize").orElseThrow().createRevision();
        assertTrue(afterFirst > initializedAt, "Patroni's initialize key was removed and written again by the restored leader");
        long second = restoreAndCompare("{\"lsn\": \"" + table.batch(3).lsnAfter() + "\", \"timeline\": " + batchTimeline + "}", 3);
        assertTrue(second > first && first > batchTimeline, "each restore a new, higher timeline: " + first + ", " + second);
        assertTrue(dcs.get("initialize").orElseThrow().createRevision() > afterFirst, "reset again by the second restore");
        assertEquals(system, dcs.get("initialize").orElseThrow().value(), "the cluster's system, as Patroni records it");

        // WAL written after the restore is archived under the new incarnation and restorable; a pause
        // the operator made is left as found.
        table.commitNext(); // batch 5 on the newest timeline (the restored history has batches 1..3)
        PatroniRestClient ha = new PatroniRestClient(patroni.restEndpoints(), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Optional.of(new PatroniCredentials(patroni.restUsername(), patroni.restPassword())));
        ha.pause();
        JsonNode latest = restores.restore("{\"latest\": true}", restores.chosenFor("{\"latest\": true}"), null);
        assertEquals("1:50,2:50,3:50,5:50", table.rowsNow(), latest.toPrettyString());
        assertTrue(ha.isPaused(), "the operator's pause stays");
        ha.resume();
        assertHealthyOn(latest.path("promotedTimeline").asLong());
    }

    /** Restores to {@code target}; both members then hold batches 1..{@code expected}, the replica streaming on the new timeline. */
    private long restoreAndCompare(String target, int expected) throws Exception {
        JsonNode restore = restores.restore(target, backup, null);
        assertEquals(BatchedTable.upTo(expected), table.rowsNow(), "rows on the restored primary after restoring to " + target);
        long timeline = restore.path("promotedTimeline").asLong();
        assertHealthyOn(timeline);
        return timeline;
    }

    /** Patroni resumed, pg0 leading, pg1 rebuilt and streaming {@code timeline} with the same rows, every Patroni running. */
    private void assertHealthyOn(long timeline) throws Exception {
        JsonNode cluster = new ObjectMapper().readTree(patroni.clusterJson());
        assertFalse(cluster.path("pause").asBoolean(false), "Patroni is resumed: " + cluster);
        assertEquals(primary.name(), patroni.awaitLeaderWithStreamingReplicas(Duration.ofMinutes(2)));
        assertEquals(Long.toString(timeline), patroni.queryValue(replica.postgresPort(),
                "SELECT received_tli::text FROM pg_stat_wal_receiver"), "the replica streams the new timeline");
        String rows = table.rowsNow();
        patroni.awaitQueryValue(replica.postgresPort(), "SELECT coalesce(string_agg(batch || ':' || n, ',' ORDER BY batch), '') FROM "
                + "(SELECT batch, count(*) AS n FROM pitr GROUP BY batch) b", rows, Duration.ofMinutes(1));
        for (LocalPatroniCluster.Member member : patroni.members()) {
            assertTrue(patroni.patroniRuns(member), member.name() + "'s Patroni runs\n" + patroni.logTails());
            assertFalse(patroni.logOf(member).contains("system ID mismatch"), member.name() + " reports a system ID mismatch");
        }
    }

    private Connection connect(LocalPatroniCluster.Member member) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", patroni.superuserPassword());
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + member.postgresPort() + "/postgres", properties);
    }
}
