package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.service.wal.ShelterWalArchive;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PrivateS3Proxy;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL receiver under faults while the cluster keeps writing: the Shelter process killed with -9
 * mid-stream and again while catching up with parallel uploads, and the object store (an s3proxy of the test's own) down for 30 s. Each time the
 * slot keeps the WAL meanwhile, and afterwards the archive has every segment, consecutive, each
 * byte-identical to what PostgreSQL's own archiver copied.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalReceiverFaultsIT {

    private static final String TOKEN = "wal-receiver-killed-it-token";
    private static final long SEGMENT_BYTES = 16L * 1024 * 1024;

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;
    private ShelterProcess shelter;

    WalReceiverFaultsIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startCluster() throws Exception {
        scratch = ScratchDirectory.create("shelter-receiver-killed-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        Ledger.create(primary);
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, shelterConfig("{kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}"));
    }

    /** The application connector binds port 0: the test reads the port Shelter got, and no port is left open to others. */
    private String shelterConfig(String objectStore) {
        return """
                server:
                  applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: []}
                logging: {level: INFO}
                auth:
                  tokens: [{name: it-admin, role: admin, token: %s}]
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {receiver: {enabled: true, flushIntervalMillis: 200, parallelUploads: 3}}
                objectStore: %s
                """.formatted(TOKEN, primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), objectStore);
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
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void aReceiverKilledMidStreamLeavesNoGapAndNoSegmentWithOtherBytes() throws Exception {
        shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-first.log"));
        primary.awaitTrue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Exception> writerFailure = new AtomicReference<>();
        Thread writer = startWriter(writing, writerFailure);
        try {
            awaitStreamedASegmentFromNow(); // mid-stream: the writer keeps going
            assertEquals(137, shelter.killHard(), "Shelter died of SIGKILL");
            primary.awaitTrue("SELECT NOT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
            awaitSlotRetainsMoreThanASegment("the slot keeps the WAL written while Shelter is down");

            // A backlog of several segments: the restarted receiver catches up with parallel uploads
            // (confirmed in order only), and is killed again as soon as its slot has moved on, amid them.
            bulkInsert();
            awaitSlotRetains(4 * SEGMENT_BYTES, "the slot keeps a backlog of several segments");
            long restartAt = slotRestartLsn();
            shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-second.log"));
            Poll.until("the restarted receiver stores segments of the backlog side by side", Duration.ofSeconds(120),
                    Duration.ofMillis(20), shelter::logOrWhy, log -> log.contains("segments are being stored at once"), () -> "");
            Poll.until("the restarted receiver confirms a segment of the backlog", Duration.ofSeconds(120), Duration.ofMillis(20),
                    this::slotRestartLsn, lsn -> lsn >= restartAt + SEGMENT_BYTES, shelter::logOrWhy);
            assertEquals(137, shelter.killHard(), "Shelter died of SIGKILL while catching up");
            primary.awaitTrue("SELECT NOT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));

            shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-third.log"));
            awaitStreamedASegmentFromNow(); // the restarted receiver streams while the writer still writes
        } finally {
            writing.set(false);
            writer.join();
        }
        assertEquals(null, writerFailure.get());
        String lastSegment = primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn())");
        primary.queryValue("SELECT pg_switch_wal()::text");
        primary.awaitTrue("SELECT flush_lsn >= pg_current_wal_lsn() FROM pg_stat_replication "
                + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(120));
        assertTrue(shelter.log().contains("streams timeline 1 from"), shelter.log());

        shelter.close();
        try (FsBlobStore store = FsBlobStore.open(new FsBlobStoreConfig(scratch.resolve("store")))) {
            assertEveryStreamedSegmentIsPostgresOwn(store, lastSegment);
        }
    }

    @Test
    void anObjectStoreDownFor30SecondsUnderLoadLeavesNoGap() throws Exception {
        try (PrivateS3Proxy proxy = PrivateS3Proxy.start(scratch.resolve("private-s3"), "outage")) {
            S3Server s3 = proxy.server();
            Path secret = scratch.resolve("private-s3-secret");
            Files.writeString(secret, s3.secretAccessKey());
            Path outageConfig = scratch.resolve("shelter-outage.yml");
            Files.writeString(outageConfig, shelterConfig("{kind: s3, endpoint: \"%s\", region: %s, bucket: outage, accessKeyId: %s, secretAccessKey: \"file:%s\"}"
                    .formatted(s3.endpoint(), s3.region(), s3.accessKeyId(), secret)));
            DropwizardTestSupport<ShelterConfiguration> app = new DropwizardTestSupport<>(ShelterApplication.class, outageConfig.toString(),
                    ConfigOverride.config("stateDirectory", scratch.resolve("shelter-state").toString()));
            app.before();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Exception> writerFailure = new AtomicReference<>();
            Thread writer = null;
            String lastSegment;
            try {
                ShelterClient client = new ShelterClient(app.getLocalPort(), TOKEN);
                primary.awaitTrue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
                writer = startWriter(writing, writerFailure);
                awaitStreamedASegmentFromNow();

                proxy.suspend();
                JsonNode during = awaitReceiver(client, "retrying", 60);
                assertTrue(during.path("lastError").asText().length() > 0, during.toString());
                ShelterClient.Answer status = client.get("/api/v1/clusters/main/wal");
                assertEquals(200, status.status(), "the status still answers while the store is down: " + status.text());
                assertTrue(status.body().path("archiveProblem").asText().contains("cannot read the archive"), status.text());
                // The outage lasts 30 s (several of the receiver's retries), and the slot holds what was written meanwhile.
                long outageStart = System.nanoTime();
                awaitSlotRetainsMoreThanASegment("the slot keeps the WAL written during the outage");
                Poll.until("the outage has lasted 30 s", Duration.ofSeconds(60),
                        () -> Duration.ofNanos(System.nanoTime() - outageStart).toSeconds() >= 30);
                assertEquals("retrying", client.get("/api/v1/clusters/main/wal").body().path("receiver").path("state").asText());
                proxy.resume();

                awaitReceiver(client, "streaming", 120);
                awaitStreamedASegmentFromNow(); // streaming again while the writer still writes
                writing.set(false);
                writer.join();
                assertEquals(null, writerFailure.get());
                lastSegment = primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn())");
                primary.queryValue("SELECT pg_switch_wal()::text");
                primary.awaitTrue("SELECT flush_lsn >= pg_current_wal_lsn() FROM pg_stat_replication "
                        + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(120));
            } finally {
                writing.set(false);
                if (writer != null) {
                    writer.join();
                }
                app.after();
            }
            try (S3BlobStore store = S3BlobStore.open(s3.storeConfig("outage", ""))) {
                assertEveryStreamedSegmentIsPostgresOwn(store, lastSegment);
            }
        }
    }

    private JsonNode awaitReceiver(ShelterClient client, String state, int seconds) {
        return Poll.until("the receiver is " + state, Duration.ofSeconds(seconds),
                () -> client.get("/api/v1/clusters/main/wal").body().path("receiver"), r -> state.equals(r.path("state").asText()));
    }

    /** Waits until the receiver has made durable a whole segment's worth of WAL written from now on. */
    private void awaitStreamedASegmentFromNow() throws SQLException {
        String now = primary.queryValue("SELECT pg_current_wal_lsn()::text");
        primary.awaitTrue("SELECT flush_lsn >= '" + now + "'::pg_lsn + " + SEGMENT_BYTES + " FROM pg_stat_replication "
                + "WHERE application_name = 'shelter-wal-receiver'", Duration.ofSeconds(120));
    }

    /** Waits until the slot holds more than a segment the receiver has not taken: WAL written while it could not. */
    private void awaitSlotRetainsMoreThanASegment(String what) {
        awaitSlotRetains(SEGMENT_BYTES, what);
    }

    private void awaitSlotRetains(long bytes, String what) {
        Poll.until(what, Duration.ofSeconds(120), () -> Long.parseLong(primary.queryValue(
                "SELECT pg_current_wal_lsn() - restart_lsn FROM pg_replication_slots WHERE slot_name = 'shelter_main'")),
                retained -> retained > bytes);
    }

    private long slotRestartLsn() throws SQLException {
        return Long.parseLong(primary.queryValue("SELECT restart_lsn - '0/0' FROM pg_replication_slots WHERE slot_name = 'shelter_main'"));
    }

    /** About 100 MB of WAL in one statement, of rows that do not compress to nothing. */
    private void bulkInsert() throws SQLException {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ledger (payload) SELECT 'bulk ' || g || repeat(md5(g::text), 6) FROM generate_series(1, 300000) g");
        }
    }

    /** The archive's segments run without a gap through {@code lastSegment}, each as PostgreSQL's archiver copied it. */
    private void assertEveryStreamedSegmentIsPostgresOwn(BlobStore store, String lastSegment) throws Exception {
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

    private Thread startWriter(AtomicBoolean writing, AtomicReference<Exception> failure) {
        Thread writer = new Thread(() -> {
            try (Connection c = primary.connect(); PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO ledger (payload) SELECT 'row ' || g || repeat('x', 200) FROM generate_series(1, 2000) g");
                 Statement s = c.createStatement()) {
                for (int i = 0; writing.get(); i++) {
                    insert.executeUpdate();
                    if (i % 20 == 19) {
                        s.execute("SELECT pg_switch_wal()");
                    }
                    Thread.sleep(20); // a steady load, not a flood: the test waits for the receiver to catch up
                }
            } catch (SQLException e) {
                failure.set(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ledger-writer");
        writer.start();
        return writer;
    }

}
