package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An export killed with -9 in the middle of its copying, with some chunks sent: after the restart it
 * goes on by itself and completes, and no chunk sent before the kill is sent again (each keeps its
 * file, inode and time). A bandwidth limit slows the copy so that the kill lands in it.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OffsiteExportKilledIT {

    private static final String TOKEN = "offsite-export-killed-it-admin-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;

    OffsiteExportKilledIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void start() throws Exception {
        scratch = ScratchDirectory.create("shelter-offsite-killed-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 50000) g");
        }
        Path key = Files.writeString(scratch.resolve("master.key"), Base64.getEncoder().encodeToString(new byte[32]));
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, """
                server:
                  applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: []}
                logging: {level: INFO}
                auth:
                  tokens: [{name: it-admin, role: admin, token: %s}]
                clusters:
                  - name: primary
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                objectStore: {kind: filesystem, directory: "%s"}
                offsite: {masterKeyFile: "%s", parallelUploads: 2, bandwidthBytesPerSecond: 300000}
                """.formatted(TOKEN, primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), primary.archiveDirectory(), scratch.resolve("store"), key));
    }

    @AfterAll
    void stop() {
        try {
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
    void anExportKilledMidwayCompletesAfterTheRestartSendingNoChunkTwice() throws Exception {
        String id;
        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-killed.log"))) {
            ShelterClient client = shelter.client(TOKEN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            assertEquals("completed", client.awaitEnd(id).path("state").asText());
            ShelterClient.Answer export = client.postWhenFree("/api/v1/backups/" + id + "/export", "");
            assertEquals(202, export.status(), export.text());
            // The bandwidth limit (300 kB/s) makes the copy (about 2.6 MB compressed, in a dozen chunks: small files go in
            // bundles) last seconds: killed with -9 once 4 chunks are sent, wherever it is.
            Poll.until("4 chunks are sent", Duration.ofSeconds(60), () -> chunks().size() >= 4);
            FrozenShelter.kill(shelter);
        }
        Map<String, String> sentBeforeKill = chunks();
        assertFalse(sentBeforeKill.isEmpty());

        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-restarted.log"))) {
            ShelterClient client = shelter.client(TOKEN);
            JsonNode offsite = Poll.until("the export goes on after the restart", Duration.ofMinutes(3),
                    () -> client.get("/api/v1/backups/" + id).body().path("offsite"), o -> o.path("state").asText().equals("exported"));
            Map<String, String> after = chunks();
            System.out.printf("export killed after %d chunks; after the restart: %d chunks, %s%n", sentBeforeKill.size(), after.size(),
                    offsite);
            sentBeforeKill.forEach((chunk, identity) -> assertEquals(identity, after.get(chunk), chunk + " was sent again"));
            assertTrue(after.size() > sentBeforeKill.size(), "the rest was sent: " + after.size());
            assertTrue(offsite.path("chunksReused").asInt() >= sentBeforeKill.size(), "the chunks sent before are reused: " + offsite);
        }
    }

    /** Every chunk object in the store, by name, with its inode and modification time: a chunk sent again gets new ones. */
    private Map<String, String> chunks() throws Exception {
        Path chunks = scratch.resolve("store").resolve("offsite/chunks");
        Map<String, String> found = new TreeMap<>();
        if (!Files.isDirectory(chunks)) {
            return found;
        }
        try (Stream<Path> all = Files.walk(chunks)) {
            for (Path path : all.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().matches("[0-9a-f]{64}")).toList()) {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                found.put(path.getFileName().toString(), attributes.fileKey() + " " + attributes.lastModifiedTime().toMillis());
            }
        }
        return found;
    }
}
