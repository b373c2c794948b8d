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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The archive endpoint with real PostgreSQL 15 and s3proxy: archive_command PUTs every WAL file
 * to Shelter with curl, a backup waits for its WAL there, and a restore from that backup with a
 * restore_command that GETs from Shelter replays through the last committed transaction.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalArchiveEndpointIT {

    private static final String OPERATOR = "wal-it-operator-token";
    private static final String VIEWER = "wal-it-viewer-token";
    private static final Pattern KEY = Pattern.compile("wal/main/\\d+/0001/[0-9A-F]{8}/[0-9A-F]{8,24}(\\.[0-9A-F]{8}\\.backup|\\.history)?\\.zst");

    private final PostgresBinaries binaries;
    private final S3Server s3;
    private ScratchDirectory scratch;
    private String bucket;
    private PostgresInstance primary;
    private InProcessShelter shelter;
    private ShelterClient operator;
    private Path tokenFile;
    private Path copies;

    WalArchiveEndpointIT(PostgresBinaries binaries, S3Server s3) {
        this.binaries = binaries;
        this.s3 = s3;
    }

    @BeforeAll
    void startClusterArchivingThroughShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-wal-endpoint-it");
        bucket = s3.createBucket("wal-endpoint");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        tokenFile = scratch.resolve("primary/operator-token");
        Files.writeString(tokenFile, OPERATOR + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        copies = scratch.resolve("primary/copies");
        Files.createDirectories(copies);
        PostgresInstance.chownToServerUser(copies);

        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.operator(OPERATOR), InProcessShelter.viewer(VIEWER)) + """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    backups: {walTimeoutSeconds: 60}
                %s
                """.formatted(primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), InProcessShelter.s3ObjectStore(s3, bucket, scratch.resolve("s3-secret"))));
        shelter = InProcessShelter.startOn(config, OPERATOR);
        operator = shelter.client();

        primary.start();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET archive_command = '" + archiveCommand().replace("'", "''") + "'");
            s.execute("SELECT pg_reload_conf()");
        }
        Ledger.create(primary);
    }

    /** The archive_command the README recommends, plus a local copy of each file to compare with. */
    private String archiveCommand() {
        return "cp %p " + copies + "/%f && curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\""
                + " -H \"Content-Type: application/octet-stream\" --data-binary \"@%p\" " + url() + "/%f";
    }

    private String url() {
        return "http://127.0.0.1:" + shelter.port() + "/api/v1/clusters/main/wal";
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
    void aRestoreWhoseRestoreCommandReadsFromShelterReplaysThroughTheLastCommit() throws Exception {
        Ledger.insert(primary, "before", 2000);
        ShelterClient.Answer started = operator.post("/api/v1/clusters/main/backups", "{\"label\":\"it wal endpoint\"}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = operator.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), "the backup's WAL reached Shelter's archive: " + backup);

        for (int batch = 0; batch < 3; batch++) {
            Ledger.insert(primary, "after " + batch, 20000);
            switchWal();
        }
        Ledger.insert(primary, "last", 1);
        Lsn lastCommit = Lsn.parse(primary.queryValue("SELECT pg_current_wal_lsn()::text"));
        String lastSegment = primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn())");
        switchWal();
        awaitArchived(lastSegment);
        String digest = Ledger.digest(primary);

        List<String> keys = bucketKeys("wal/main/");
        assertFalse(keys.isEmpty());
        keys.stream().filter(k -> !k.endsWith("archive.json"))
                .forEach(k -> assertTrue(KEY.matcher(k).matches(), "key " + k + " follows the layout"));
        try (Stream<Path> archived = Files.list(copies)) {
            for (Path copy : archived.toList()) {
                assertArrayEquals(Files.readAllBytes(copy), get(copy.getFileName().toString(), OPERATOR).body(),
                        copy.getFileName() + " comes back byte for byte");
            }
        }

        primary.stop();
        Lsn redoDone = ArchiveRestore.restoreToEndOfArchive(primary, scratch.resolve("snapshots"),
                backup.path("snapshots").get(0).path("snapshot").asText(),
                ArchiveRestore.manifestFromBucket(s3, bucket, "main", backup.path("id").asText()),
                ArchiveRestore.restoreCommand(shelter.port(), "main", tokenFile));

        assertEquals(digest, Ledger.digest(primary), "every transaction committed before the stop is back");
        assertTrue(redoDone.compareTo(lastCommit) >= 0, "recovery replayed to " + redoDone + ", through the last commit at " + lastCommit);
    }

    @Test
    void theEndpointStoresOnceRefusesOtherBytesAndBadNamesAndChecksRoles() throws Exception {
        Ledger.insert(primary, "bad input", 1000);
        String segment = primary.queryValue("SELECT pg_walfile_name(pg_current_wal_lsn())");
        switchWal();
        awaitArchived(segment);
        byte[] content = Files.readAllBytes(copies.resolve(segment));

        assertEquals(200, put(segment, content, OPERATOR).statusCode(), "the same bytes again");
        byte[] other = content.clone();
        other[other.length - 1] ^= 1;
        HttpResponse<byte[]> conflict = put(segment, other, OPERATOR);
        assertEquals(409, conflict.statusCode());
        assertTrue(new String(conflict.body()).contains("never overwritten"), new String(conflict.body()));
        assertArrayEquals(content, get(segment, OPERATOR).body(), "the first bytes are kept");

        String next = String.format("%s%016X", segment.substring(0, 8), Long.parseLong(segment.substring(8), 16) + 1);
        HttpResponse<byte[]> misnamed = put(next, content, OPERATOR);
        assertEquals(400, misnamed.statusCode());
        assertTrue(new String(misnamed.body()).contains("holds the segment starting at"), new String(misnamed.body()));
        assertEquals(400, put("000000010000000000000001.gz", content, OPERATOR).statusCode());
        // Jetty refuses an encoded separator before it reads the body and closes the connection, so a
        // 16 MB body could still be in flight: send a small one, the path is what is tested.
        int traversal = put("..%2F..%2Fetc%2Fpasswd", new byte[] {1}, OPERATOR).statusCode();
        assertTrue(traversal == 400 || traversal == 404, "an encoded path is refused: " + traversal);
        assertEquals(400, put("RECOVERYXLOG", content, OPERATOR).statusCode());

        assertEquals(403, put(segment, content, VIEWER).statusCode());
        assertEquals(403, get(segment, VIEWER).statusCode());
        assertEquals(401, get(segment, "no-such-token").statusCode());
        assertEquals(404, get("00000009.history", OPERATOR).statusCode());
        HttpResponse<byte[]> unknownCluster = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + shelter.port() + "/api/v1/clusters/nosuch/wal/" + segment))
                .header("Authorization", "Bearer " + OPERATOR).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(404, unknownCluster.statusCode());
    }

    private HttpResponse<byte[]> put(String name, byte[] content, String token) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/" + name))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> get(String name, String token) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url() + "/" + name))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private List<String> bucketKeys(String prefix) {
        try (var client = s3.newClient()) {
            return client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                    .map(o -> o.key()).toList();
        }
    }

    private void switchWal() throws SQLException {
        primary.queryValue("SELECT pg_switch_wal()::text");
    }

    private void awaitArchived(String segment) {
        Poll.until(segment + " archived by PostgreSQL's archive_command", Duration.ofSeconds(60),
                () -> primary.queryValue("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"),
                last -> last.length() == 24 && last.compareTo(segment) >= 0,
                () -> failuresAndLog());
    }

    private String failuresAndLog() {
        try {
            return primary.queryValue("SELECT failed_count || ' failures, last ' || coalesce(last_failed_wal, '-') FROM pg_stat_archiver")
                    + "\n" + primary.logTail();
        } catch (SQLException e) {
            return "(the archiver's counters are unreadable: " + e.getMessage() + ")";
        }
    }

}
