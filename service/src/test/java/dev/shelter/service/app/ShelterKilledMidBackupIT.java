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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter as operators run it, {@code java -jar shelter.jar server shelter.yml}, killed with -9 in
 * the middle of a backup, then started again on the same config and object store: the interrupted
 * backup must end up failed, with no snapshot (finished or partial) left behind, PostgreSQL out of
 * backup mode, and the next backup must work.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShelterKilledMidBackupIT {

    private static final String TOKEN = "killed-mid-backup-it-admin-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;
    private ShelterProcess shelter;

    ShelterKilledMidBackupIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startCluster() throws IOException, SQLException {
        scratch = ScratchDirectory.create("shelter-killed-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger AS SELECT g AS id FROM generate_series(1, 1000) g");
        }
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
                    backups: {walTimeoutSeconds: 60}
                objectStore: {kind: filesystem, directory: "%s"}
                """.formatted(TOKEN, primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), primary.archiveDirectory(), scratch.resolve("store")));
    }

    @AfterAll
    void stopEverything() throws InterruptedException {
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
    void aBackupInterruptedByKillMinus9IsFailedAfterRestartWithNothingLeftBehind() throws Exception {
        ShelterClient client = startShelter("first");
        Path ballast = primary.writeBallast(384);
        String id;
        try {
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it killed\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            client.awaitBackup(id, b -> "snapshotting".equals(b.path("phase").asText()), Duration.ofSeconds(60));
            // Catch the copy in the act, for certain: freeze Shelter and look; while the copy has not
            // begun, let it run a moment and look again. Once frozen with the .partial there and no
            // finished snapshot, the kill below lands mid-copy, whatever the machine's speed.
            Poll.until("Shelter frozen while the snapshot of " + id + " is being copied", Duration.ofSeconds(60),
                    Duration.ofMillis(20), () -> {
                        shelter.freeze();
                        List<Path> snapshots = snapshotsOf(id);
                        if (snapshots.stream().anyMatch(p -> p.endsWith("shelter-" + id))) {
                            throw new AssertionError("the copy finished before the test could freeze Shelter mid-copy: " + snapshots);
                        }
                        if (snapshots.stream().anyMatch(p -> p.endsWith("shelter-" + id + ".partial"))) {
                            return true;
                        }
                        shelter.thaw();
                        return false;
                    }, Boolean.TRUE::equals, () -> "");
            assertEquals(1, backupSessions(id), "PostgreSQL is in backup mode for this backup while the snapshot is taken");

            assertEquals(137, shelter.killHard(), "Shelter died of SIGKILL");
            assertTrue(snapshotsOf(id).stream().anyMatch(p -> p.endsWith("shelter-" + id + ".partial")),
                    "the kill left a partial snapshot behind: " + snapshotsOf(id));
        } finally {
            Files.deleteIfExists(ballast);
        }

        // The kernel closed Shelter's connection; PostgreSQL aborts a backup whose session is gone.
        awaitNoBackupSession(id);
        assertTrue(Files.readString(primary.logFile()).contains("aborting backup due to backend exiting before pg_backup_stop"),
                primary.logTail());

        ShelterClient restarted = startShelter("second");
        JsonNode interrupted = restarted.get("/api/v1/backups/" + id).body();
        assertEquals("failed", interrupted.path("state").asText(), interrupted.toString());
        assertTrue(interrupted.path("failure").asText().contains("Shelter stopped ("),
                interrupted.toString());
        assertEquals(0, interrupted.path("snapshots").size(), interrupted.toString());
        assertEquals(List.of(), snapshotsOf(id), "no snapshot of the interrupted backup is left, finished or partial");
        assertEquals(0, backupSessions(id));

        ShelterClient.Answer next = restarted.post("/api/v1/clusters/primary/backups", "{\"label\":\"it after kill\"}");
        assertEquals(202, next.status(), next.text());
        JsonNode completed = restarted.awaitEnd(next.body().path("id").asText());
        assertEquals("completed", completed.path("state").asText(), completed.toString());
        JsonNode failedOnes = restarted.get("/api/v1/clusters/primary/backups?state=failed").body();
        assertEquals(1, failedOnes.path("total").asInt(), failedOnes.toString());
    }

    private ShelterClient startShelter(String run) throws IOException {
        shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-" + run + ".log"));
        return shelter.client(TOKEN);
    }

    private int backupSessions(String id) throws SQLException {
        try (Connection c = primary.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            s.setString(1, "shelter-backup-" + id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    private void awaitNoBackupSession(String id) {
        Poll.until("PostgreSQL ends the backup session of " + id + " after Shelter died", Duration.ofSeconds(60),
                () -> backupSessions(id), sessions -> sessions == 0);
    }

    /** Every snapshot directory (finished or .partial) named after the backup, on any volume. */
    private List<Path> snapshotsOf(String id) throws IOException {
        Path root = scratch.resolve("snapshots");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> volumes = Files.list(root)) {
            return volumes.flatMap(volume -> {
                try (Stream<Path> snapshots = Files.list(volume)) {
                    return snapshots.filter(s -> s.getFileName().toString().startsWith("shelter-" + id)).toList().stream();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }
    }

}
