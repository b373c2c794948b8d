package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter's WAL receiver against real PostgreSQL 15 and s3proxy, under 60 s of pgbench: it streams
 * through its own slot, archives every segment in order with the bytes PostgreSQL's own archiver copies, keeps the
 * segment in progress durable within about a second, and a crash-restore from a backup replays,
 * from Shelter alone, through the last commit before the crash.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalReceiverIT {

    private static final String TOKEN = "wal-receiver-it-operator-token";
    /** pgbench's balances and history, which its transactions change together. */
    private static final String BENCH_STATE = "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || '/' "
            + "|| (SELECT sum(bbalance) FROM pgbench_branches) || '/' || (SELECT count(*) FROM pgbench_history)";
    private static final Pattern SEGMENT_KEY = Pattern.compile("wal/main/\\d+/0001/00000001/([0-9A-F]{24})\\.zst");

    private final PostgresBinaries binaries;
    private final S3Server s3;
    private ScratchDirectory scratch;
    private String bucket;
    private PostgresInstance primary;
    private InProcessShelter shelter;
    private ShelterClient client;
    private Path tokenFile;

    WalReceiverIT(PostgresBinaries binaries, S3Server s3) {
        this.binaries = binaries;
        this.s3 = s3;
    }

    @BeforeAll
    void startClusterAndShelterWithItsReceiver() throws Exception {
        scratch = ScratchDirectory.create("shelter-wal-receiver-it");
        bucket = s3.createBucket("wal-receiver");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        tokenFile = scratch.resolve("primary/token");
        Files.writeString(tokenFile, TOKEN + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        primary.start();
        Ledger.create(primary);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.operator(TOKEN)) + """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {receiver: {enabled: true, flushIntervalMillis: 500}}
                    backups: {walTimeoutSeconds: 60}
                %s
                """.formatted(primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), InProcessShelter.s3ObjectStore(s3, bucket, scratch.resolve("s3-secret"))));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stopEverything() {
        try {
            if (shelter != null) {
                shelter.close();
            }
            if (primary != null) {
                primary.close();
            }
        } finally {
            if (bucket != null) {
                s3.deleteBucket(bucket);
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void streamsEverySegmentOfAMinuteOfPgbenchInOrderAndACrashRestoreFromShelterAloneReachesTheLastCommit() throws Exception {
        primary.awaitTrue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
        // No autovacuum: after a minute of pgbench it writes tens of MB of WAL (page images after a
        // checkpoint) just when the test measures a commit in a quiet segment.
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET autovacuum = off");
            s.execute("SELECT pg_reload_conf()");
        }
        primary.pgbench("-i", "-s", "5", "-q");
        Ledger.insert(primary, "before", 2000);
        ShelterClient.Answer started = client.post("/api/v1/clusters/main/backups", "{\"label\":\"it receiver\"}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), "the backup's WAL was streamed into the archive: " + backup);

        String load = primary.pgbench("-c", "4", "-j", "2", "-T", "60", "-n");
        assertTrue(load.contains("number of failed transactions: 0"), load);
        for (int batch = 0; batch < 6; batch++) {
            Ledger.insert(primary, "after " + batch, 20000);
            if (batch % 2 == 0) {
                primary.queryValue("SELECT pg_switch_wal()::text");
            }
        }
        // The receiver first catches up with a minute of pgbench, in its own time on two busy cores ...
        Lsn caughtUp = Lsn.parse(primary.queryValue("SELECT pg_current_wal_lsn()::text"));
        primary.awaitTrue("SELECT flush_lsn >= '" + caughtUp + "'::pg_lsn FROM pg_stat_replication "
                + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(180));
        // ... then a commit in a quiet segment is durable within a few flush intervals, without a switch.
        // The commit goes at the start of a fresh segment after a checkpoint: a commit near a
        // segment's end could see the server's own background records carry the insert position
        // into the next one.
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
            s.execute("SELECT pg_switch_wal()");
        }
        Ledger.insert(primary, "last", 1);
        Lsn lastCommit = Lsn.parse(primary.queryValue("SELECT pg_current_wal_lsn()::text"));
        String segmentOfLastCommit = primary.queryValue("SELECT pg_walfile_name('" + lastCommit + "'::pg_lsn)");
        long waitStart = System.nanoTime();
        primary.awaitTrue("SELECT flush_lsn >= '" + lastCommit + "'::pg_lsn FROM pg_stat_replication "
                + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(30));
        double seconds = (System.nanoTime() - waitStart) / 1e9;
        assertTrue(seconds < 10, "the last commit was durable in the store after " + seconds + " s (flush interval 0.5 s)");
        assertEquals(segmentOfLastCommit, primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn())"),
                "durable without a segment switch");
        String digest = Ledger.digest(primary);
        String benchState = primary.queryValue(BENCH_STATE);
        assertStatusReportsTheReceiverAndNoGap(backup, lastCommit);

        List<String> segments = segmentsInStore();
        assertTrue(segments.size() >= 4, "segments streamed: " + segments);
        ArchiveRestore.assertConsecutive(segments);
        String backupStart = String.format("00000001%08X%08X", Lsn.parse(backup.path("startLsn").asText()).value() >>> 32,
                (Lsn.parse(backup.path("startLsn").asText()).value() & 0xFFFFFFFFL) >>> 24);
        // ... through the last commit: the status above holds it durable, in the segment still being streamed.
        assertTrue(segments.get(0).compareTo(backupStart) <= 0, "from the backup's start, " + backupStart + ": " + segments.get(0));
        // Every whole segment in the store (the one in progress is stored as pieces) against PostgreSQL's own copy.
        ArchiveRestore.assertEachArchivedByPostgresAlike(segments, primary.archiveDirectory(), segment -> client.walFile("main", segment));

        // A crash: no clean shutdown, and the current segment never reaches archive_command.
        primary.stopImmediately();
        Lsn redoDone = ArchiveRestore.restoreToEndOfArchive(primary, scratch.resolve("snapshots"),
                backup.path("snapshots").get(0).path("snapshot").asText(),
                ArchiveRestore.manifestFromBucket(s3, bucket, "main", backup.path("id").asText()),
                ArchiveRestore.restoreCommand(shelter.port(), "main", tokenFile));

        assertEquals(digest, Ledger.digest(primary), "every transaction committed before the crash is back");
        assertEquals(benchState, primary.queryValue(BENCH_STATE), "and so is every pgbench transaction");
        assertTrue(redoDone.compareTo(lastCommit) >= 0, "replayed to " + redoDone + ", last commit " + lastCommit);
    }

    private void assertStatusReportsTheReceiverAndNoGap(JsonNode backup, Lsn lastCommit) throws Exception {
        // The monitor samples every few seconds: wait for a sample that has seen the last commit durable.
        JsonNode wal = Poll.until("the WAL status reports " + lastCommit + " durable with no lag", Duration.ofSeconds(60),
                () -> client.get("/api/v1/clusters/main/wal").body(),
                w -> !w.path("receiver").path("sampledAt").isNull() && w.path("receiver").path("lagBytes").asLong(-1) == 0
                        && Lsn.parse(w.path("receiver").path("durableLsn").asText("0/0")).compareTo(lastCommit) >= 0);
        assertEquals("shelter", wal.path("format").asText(), wal.toString());
        assertEquals(primary.queryValue("SELECT system_identifier::text FROM pg_control_system()"), wal.path("systemIdentifier").asText());
        JsonNode timeline = wal.path("timelines").get(0);
        assertEquals(1, timeline.path("timeline").asInt(), wal.toString());
        assertEquals(0, timeline.path("gaps").size(), wal.toString());
        JsonNode receiver = wal.path("receiver");
        assertEquals("streaming", receiver.path("state").asText(), wal.toString());
        assertEquals("shelter_main", receiver.path("slot").asText());
        assertTrue(Lsn.parse(receiver.path("durableLsn").asText()).compareTo(lastCommit) >= 0, wal.toString());
        assertEquals(0, receiver.path("lagBytes").asLong(), wal.toString());
        assertEquals(0.0, receiver.path("rpoSeconds").asDouble(), wal.toString());
        assertTrue(receiver.path("problem").isNull(), wal.toString());
        assertEquals(backup.path("id").asText(), wal.path("recoverableWindow").path("fromBackup").asText(), wal.toString());

        String health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shelter.adminPort()
                + "/healthcheck")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(ShelterClient.JSON.readTree(health).path("wal-main").path("healthy").asBoolean(), health);
        String prometheus = Poll.until("/prometheus reports an RPO of 0 s", Duration.ofSeconds(60),
                () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shelter.adminPort()
                        + "/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body(),
                text -> text.contains("shelter_wal_rpo_seconds{cluster=\"main\"} 0.0"));
        assertTrue(prometheus.contains("shelter_wal_slot_retained_bytes{cluster=\"main\"}"), prometheus);
        assertTrue(prometheus.lines().anyMatch(line -> line.matches("shelter_wal_receiver_state\\{cluster=\"main\",replica=\"[^\"]+\","
                + "state=\"streaming\"} 1(\\.0)?")), prometheus);
    }

    private List<String> segmentsInStore() {
        try (var s3Client = s3.newClient()) {
            return s3Client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("wal/main/")).contents().stream()
                    .map(o -> SEGMENT_KEY.matcher(o.key())).filter(Matcher::matches).map(m -> m.group(1)).sorted().toList();
        }
    }
}
