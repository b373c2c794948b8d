package dev.shelter.service.app;

import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.service.wal.ShelterWalArchive;
import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PrivateS3Proxy;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL receiver under faults while the cluster keeps writing: the Shelter process killed with -9
 * mid-stream, and the object store (an s3proxy of the test's own) down for 30 s. Each time the
 * slot keeps the WAL meanwhile, and afterwards the archive has every segment, consecutive, each
 * byte-identical to what PostgreSQL's own archiver copied.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalReceiverFaultsIT {

    private static final String TOKEN = "wal-receiver-killed-it-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;
    private int port;
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
        port = ShelterProcess.freePort();
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, shelterConfig(port, "{kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}"));
    }

    private String shelterConfig(int applicationPort, String objectStore) {
        return """
                server:
                  applicationConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
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
                    walArchive: {receiver: {enabled: true, flushIntervalMillis: 200}}
                objectStore: %s
                """.formatted(applicationPort, TOKEN, primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
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
        shelter = ShelterProcess.start(config, port, TOKEN, scratch.resolve("shelter-first.log"));
        primary.awaitTrue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Exception> writerFailure = new AtomicReference<>();
        Thread writer = startWriter(writing, writerFailure);
        try {
            ShelterClient.pause(3000);
            assertEquals(137, shelter.killHard(), "Shelter died of SIGKILL");
            primary.awaitTrue("SELECT NOT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
            ShelterClient.pause(3000);
            assertTrue(Long.parseLong(primary.queryValue("SELECT pg_current_wal_lsn() - restart_lsn FROM pg_replication_slots "
                    + "WHERE slot_name = 'shelter_main'")) > 16L * 1024 * 1024, "the slot kept the WAL written while Shelter was down");

            shelter = ShelterProcess.start(config, port, TOKEN, scratch.resolve("shelter-second.log"));
            ShelterClient.pause(3000);
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
            int outagePort = ShelterProcess.freePort();
            Files.writeString(outageConfig, shelterConfig(outagePort, "{kind: s3, endpoint: \"%s\", region: %s, bucket: outage, accessKeyId: %s, secretAccessKey: \"file:%s\"}"
                    .formatted(s3.endpoint(), s3.region(), s3.accessKeyId(), secret)));
            DropwizardTestSupport<ShelterConfiguration> app = new DropwizardTestSupport<>(ShelterApplication.class, outageConfig.toString());
            app.before();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Exception> writerFailure = new AtomicReference<>();
            Thread writer = null;
            String lastSegment;
            try {
                ShelterClient client = new ShelterClient(app.getLocalPort(), TOKEN);
                primary.awaitTrue("SELECT active FROM pg_replication_slots WHERE slot_name = 'shelter_main'", Duration.ofSeconds(30));
                writer = startWriter(writing, writerFailure);
                ShelterClient.pause(2000);

                proxy.suspend();
                JsonNode during = awaitReceiver(client, "retrying", 60);
                assertTrue(during.path("lastError").asText().length() > 0, during.toString());
                ShelterClient.Answer status = client.get("/api/v1/clusters/main/wal");
                assertEquals(200, status.status(), "the status still answers while the store is down: " + status.text());
                assertTrue(status.body().path("archiveProblem").asText().contains("cannot read the archive"), status.text());
                ShelterClient.pause(30_000);
                assertEquals("retrying", client.get("/api/v1/clusters/main/wal").body().path("receiver").path("state").asText());
                assertTrue(Long.parseLong(primary.queryValue("SELECT pg_current_wal_lsn() - restart_lsn FROM pg_replication_slots "
                        + "WHERE slot_name = 'shelter_main'")) > 16L * 1024 * 1024, "the slot kept the WAL written during the outage");
                proxy.resume();

                awaitReceiver(client, "streaming", 60);
                ShelterClient.pause(2000);
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
        JsonNode receiver = null;
        for (int i = 0; i < seconds * 10; i++) {
            receiver = client.get("/api/v1/clusters/main/wal").body().path("receiver");
            if (state.equals(receiver.path("state").asText())) {
                return receiver;
            }
            ShelterClient.pause(100);
        }
        throw new AssertionError("the receiver did not reach " + state + " within " + seconds + " s: " + receiver);
    }

    /** The archive's segments run without a gap through {@code lastSegment}, each as PostgreSQL's archiver copied it. */
    private void assertEveryStreamedSegmentIsPostgresOwn(BlobStore store, String lastSegment) throws Exception {
        String system = primary.queryValue("SELECT system_identifier::text FROM pg_control_system()");
        String timeline = "wal/main/" + system + "/0001/00000001/";
        List<String> segments = store.list(timeline).stream().map(info -> info.key().value().substring(timeline.length()))
                .filter(f -> f.matches("[0-9A-F]{24}\\.zst")).map(f -> f.substring(0, 24)).sorted().toList();
        assertTrue(segments.contains(lastSegment), lastSegment + " in " + segments);
        ArchiveRestore.assertConsecutive(segments);
        awaitArchivedByPostgres(lastSegment);
        ShelterWalArchive archive = new ShelterWalArchive(store, "wal/main/", Clock.systemUTC());
        int compared = 0;
        for (String segment : segments) {
            Path copied = primary.archiveDirectory().resolve(segment);
            if (Files.exists(copied)) {
                assertArrayEquals(Files.readAllBytes(copied), archive.fetch(WalFileName.parse(segment)).orElseThrow(),
                        segment + " as streamed = as PostgreSQL archived it");
                compared++;
            }
        }
        assertTrue(compared >= segments.size() - 1, "compared " + compared + " of " + segments.size() + " segments");
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

    private void awaitArchivedByPostgres(String segment) throws SQLException {
        for (int i = 0; i < 300 && !Files.exists(primary.archiveDirectory().resolve(segment)); i++) {
            ShelterClient.pause(100);
        }
    }

}
