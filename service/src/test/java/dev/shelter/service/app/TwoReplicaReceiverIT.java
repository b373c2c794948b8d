package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealPostgres;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Shelter processes protect one cluster through one catalog database, under pgbench. One
 * streams (it holds the cluster's receiver lease) and the other stands by, and both say which
 * streams. The streaming one is killed with -9: the other streams within 15 s, and afterwards the
 * archive has every segment, consecutive, each byte-identical to PostgreSQL's own archived copy.
 */
@RealPostgres
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoReplicaReceiverIT {

    private static final String TOKEN = "two-replica-receiver-it-token";
    private static final Duration HAND_OVER_BOUND = Duration.ofSeconds(15);

    private final PostgresServer catalogServer;
    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private ReplicaSet replicas;

    TwoReplicaReceiverIT(PostgresServer catalogServer, PostgresBinaries binaries) {
        this.catalogServer = catalogServer;
        this.binaries = binaries;
    }

    @BeforeAll
    void startClusterAndCatalog() throws Exception {
        scratch = ScratchDirectory.create("shelter-two-receivers-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        replicas = ReplicaSet.create(catalogServer, scratch, TOKEN);
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            if (replicas != null) {
                replicas.close();
            }
            if (primary != null) {
                primary.close();
            }
        } finally {
            scratch.close();
        }
    }

    @Test
    void theStandbyStreamsWithin15SecondsOfTheStreamingReplicasDeathAndTheArchiveHasNoGap() throws Exception {
        primary.pgbench("-i", "-s", "2", "-q");
        ShelterProcess a = start("replica-a");
        JsonNode streaming = awaitReceiver(a, "streaming", "replica-a", Duration.ofSeconds(60));
        assertEquals("replica-a", streaming.path("replica").asText(), streaming.toString());
        ShelterProcess b = start("replica-b");
        JsonNode standby = awaitReceiver(b, "standby", "replica-a", Duration.ofSeconds(60));
        assertEquals("replica-b", standby.path("replica").asText(), "b answers for itself and names a as the one that streams: "
                + standby);

        CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> primary.pgbench("-c", "2", "-j", "1", "-T", "40", "-n"));
        awaitStreamedFromNow(4L << 20, "replica-a streams the load");
        assertEquals(137, replicas.kill("replica-a"), "replica-a died of SIGKILL");
        long killedAt = System.nanoTime();
        JsonNode tookOver = awaitReceiver(b, "streaming", "replica-b", Duration.ofSeconds(60));
        Duration handOver = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.println("receiver hand-over after kill -9: " + handOver.toMillis() + " ms; " + tookOver);
        assertTrue(handOver.compareTo(HAND_OVER_BOUND) <= 0, "replica-b streams " + handOver.toMillis() + " ms after the kill, over "
                + HAND_OVER_BOUND.toSeconds() + " s");
        assertTrue(!load.isDone(), "the hand-over happened under load");
        awaitStreamedFromNow(4L << 20, "replica-b streams the load");

        String output = load.get(120, TimeUnit.SECONDS);
        assertTrue(output.contains("number of failed transactions: 0"), output);
        String lastSegment = primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn())");
        primary.queryValue("SELECT pg_switch_wal()::text");
        primary.awaitTrue("SELECT flush_lsn >= pg_current_wal_lsn() FROM pg_stat_replication "
                + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(120));
        replicas.stop("replica-b");
        assertEveryStreamedSegmentIsPostgresOwn(lastSegment);
    }

    /** The receiver as {@code replica} reports it, once in {@code state} with {@code streamingReplica} named as the one that streams. */
    private static JsonNode awaitReceiver(ShelterProcess replica, String state, String streamingReplica, Duration timeout) {
        return Poll.until("the receiver " + state + ", " + streamingReplica + " streaming", timeout, Duration.ofMillis(200),
                () -> replica.client(TOKEN).get("/api/v1/clusters/main/wal").body().path("receiver"),
                r -> state.equals(r.path("state").asText()) && streamingReplica.equals(r.path("streamingReplica").asText()),
                () -> "replica's log: " + receiverLines(replica));
    }

    private static String receiverLines(ShelterProcess replica) {
        try {
            return replica.log().lines().filter(l -> l.contains("WAL receiver") || l.contains("lease")).reduce("", (x, y) -> x + "\n" + y);
        } catch (java.io.IOException e) {
            return "unreadable: " + e;
        }
    }

    /** Waits until the receiver (whichever streams) has made durable {@code bytes} of WAL written from now on. */
    private void awaitStreamedFromNow(long bytes, String what) throws SQLException {
        String now = primary.queryValue("SELECT pg_current_wal_lsn()::text");
        Poll.until(what, Duration.ofSeconds(120), () -> primary.queryValue("SELECT coalesce(bool_or(flush_lsn >= '" + now + "'::pg_lsn + "
                + bytes + "), false) FROM pg_stat_replication WHERE application_name = 'shelter-wal-receiver'"), "t"::equals);
    }

    /** The archive's segments run without a gap through {@code lastSegment}, each as PostgreSQL's archiver copied it. */
    private void assertEveryStreamedSegmentIsPostgresOwn(String lastSegment) throws Exception {
        try (FsBlobStore store = FsBlobStore.open(new FsBlobStoreConfig(scratch.resolve("store")))) {
            String system = primary.queryValue("SELECT system_identifier::text FROM pg_control_system()");
            String timeline = "wal/main/" + system + "/0001/00000001/";
            List<String> segments = store.list(timeline).stream().map(info -> info.key().value().substring(timeline.length()))
                    .filter(f -> f.matches("[0-9A-F]{24}\\.zst")).map(f -> f.substring(0, 24)).sorted().toList();
            assertTrue(segments.contains(lastSegment), lastSegment + " in " + segments);
            ArchiveRestore.assertConsecutive(segments);
            ShelterWalArchive archive = new ShelterWalArchive(store, "wal/main/", Clock.systemUTC());
            ArchiveRestore.assertEachArchivedByPostgresAlike(segments, primary.archiveDirectory(),
                    segment -> archive.fetch(WalFileName.parse(segment)).orElseThrow());
        }
    }

    private ShelterProcess start(String replica) throws Exception {
        return replicas.start(replica, """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {receiver: {enabled: true, flushIntervalMillis: 200}}
                """.formatted(primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                scratch.resolve("snapshots")), "");
    }
}
