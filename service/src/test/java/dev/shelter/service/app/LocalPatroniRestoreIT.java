package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.patroni.Etcd3Dcs;
import dev.shelter.runbooks.patroni.PatroniDcs;
import dev.shelter.runbooks.patroni.PatroniRestClient;
import dev.shelter.testing.LocalPatroniCluster;
import dev.shelter.testing.PatroniBinaries;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealPatroni;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalPatroniRestoreIT {

    private static final String ADMIN = "patroni-restore-it-admin-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);

    private final PatroniBinaries patroniBinaries;
    private final PostgresBinaries postgres;
    private ScratchDirectory scratch;
    private RestorablePatroniCluster cluster;
    private LocalPatroniCluster patroni;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private LocalPatroniCluster.Member primary;
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
        cluster = RestorablePatroniCluster.start(patroniBinaries, postgres, scratch, "ha");
        patroni = cluster.patroni;
        primary = cluster.primary;
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN),
                InProcessShelter.operator(RestorablePatroniCluster.OPERATOR)).replaceFirst("port: 0", "port: " + cluster.shelterPort)
                + cluster.clustersSection("ha", postgres, scratch.resolve("snapshots"))
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
        shelter = InProcessShelter.startOn(config, ADMIN);
        restores = new RestoresThroughApi(shelter.client(), "ha", RESTORE_TIMEOUT, patroni::logTails);

        table = new BatchedTable(() -> patroni.connect(primary));
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
            if (cluster != null) {
                cluster.close();
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    /** Shelter restores pg0's volumes and rebuilds the others from it: while pg1 leads, a restore would wipe itself. */
    @Test
    @Order(1)
    void aRestoreWhileAnotherMemberLeadsIsRefusedAndChangesNothing() throws Exception {
        PatroniRestClient ha = cluster.ha();
        // Patroni switches over only to a running replica with a known lag (pg1 was once seen "stopping" here in CI).
        assertEquals(primary.name(), patroni.awaitLeaderWithStreamingReplicas(Duration.ofMinutes(2)));
        ha.switchover(cluster.replica.name(), Duration.ofMinutes(2));
        // pg0 follows pg1 before anything else happens: a switchover back needs it streaming.
        assertEquals(cluster.replica.name(), patroni.awaitLeaderWithStreamingReplicas(Duration.ofMinutes(2)));
        try {
            ShelterClient.Answer refused = shelter.client().post("/api/v1/clusters/ha/restores", "{\"target\": {\"latest\": true}, "
                    + "\"confirm\": \"ha\"}");
            assertEquals(422, refused.status(), refused.text());
            assertTrue(refused.text().contains("leader is pg1, but Shelter restores the volumes of pg0") && refused.text()
                    .contains("switch over to pg0 first"), refused.text());
            assertFalse(ha.isPaused(), "Patroni was left alone");
            assertEquals(0, shelter.client().get("/api/v1/clusters/ha/restores").body().path("restores").size());
        } finally {
            ha.switchover(primary.name(), Duration.ofMinutes(2));
            patroni.awaitLeaderWithStreamingReplicas(Duration.ofMinutes(2));
        }
    }

    @Test
    @Order(2)
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
        PatroniRestClient ha = cluster.ha();
        ha.pause();
        JsonNode latest = restores.restore("{\"latest\": true}", restores.chosenFor("{\"latest\": true}"), null);
        assertEquals("1:50,2:50,3:50,5:50", table.rowsNow(), latest.toPrettyString());
        assertTrue(ha.isPaused(), "the operator's pause stays");
        ha.resume();
        cluster.assertHealthyOn(latest.path("promotedTimeline").asLong());
    }

    /** Restores to {@code target}; both members then hold batches 1..{@code expected}, the replica streaming on the new timeline. */
    private long restoreAndCompare(String target, int expected) throws Exception {
        JsonNode restore = restores.restore(target, backup, null);
        assertEquals(BatchedTable.upTo(expected), table.rowsNow(), "rows on the restored primary after restoring to " + target);
        long timeline = restore.path("promotedTimeline").asLong();
        cluster.assertHealthyOn(timeline);
        return timeline;
    }
}
