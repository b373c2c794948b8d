package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
 * Shelter killed with -9 at each step of the backup plan, online and offline, in local mode: it
 * is started with a failpoint that freezes the run at the step (journaled as started, or executed
 * but not yet journaled as done), killed there, and started again. Then the backup is failed,
 * PostgreSQL holds no backup session and runs, and not one snapshot of that backup is left,
 * finished or partial. Killed after the backup was recorded complete, it stays complete with its
 * snapshot, because it is. Each case prints its evidence.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupKilledAtEachStepIT {

    private static final String TOKEN = "killed-at-each-step-it-admin-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;
    private int run;

    BackupKilledAtEachStepIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startCluster() throws IOException, SQLException {
        scratch = ScratchDirectory.create("shelter-each-step-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger AS SELECT g AS id FROM generate_series(1, 1000) g");
            s.execute("CREATE TABLE hook_log (what text)");
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
                    hooks:
                      pre: [{sql: "INSERT INTO hook_log (what) VALUES ('pre')"}]
                      post: [{sql: "INSERT INTO hook_log (what) VALUES ('post')"}]
                objectStore: {kind: filesystem, directory: "%s"}
                """.formatted(TOKEN, primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(),
                primary.dataDirectory(), scratch.resolve("snapshots"), primary.archiveDirectory(), scratch.resolve("store")));
    }

    @AfterAll
    void stopEverything() {
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

    @ParameterizedTest(name = "{0} backup, killed at {1}:{2}")
    @CsvSource({
            "online, RecordBackupRunning, executed, failed",
            "online, RunPreHooks, executed, failed",
            "online, OpenBackupSession, executed, failed",
            "online, LocateVolumes, executed, failed",
            "online, SnapshotInBackupMode, started, failed",
            "online, SnapshotInBackupMode, inside, failed",
            "online, SnapshotInBackupMode, executed, failed",
            "online, AwaitWalArchived, before, failed",
            "online, RecordBackupComplete, executed, completed",
            "online, RunPostHooks, executed, completed",
            "offline, LocateVolumes, executed, failed",
            "offline, RecordServer, executed, failed",
            "offline, StopServer, executed, failed",
            "offline, ReadShutdownCheckpoint, executed, failed",
            "offline, CreateSnapshots, inside, failed",
            "offline, CreateSnapshots, executed, failed",
            "offline, StartServer, executed, failed",
            "offline, RecordBackupComplete, executed, completed",
    })
    void aKillAtTheStepEndsTheBackupCleanlyAfterTheRestart(String mode, String step, String moment, String outcome)
            throws Exception {
        run++;
        String id;
        int sessionsBeforeKill;
        try (ShelterProcess shelter = FrozenShelter.start(config, TOKEN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(TOKEN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups",
                    "{\"mode\":\"" + mode + "\",\"confirm\":\"primary\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(90));
            sessionsBeforeKill = backupSessions(id);
            FrozenShelter.kill(shelter);
        }
        String atKill = "backup sessions just before the kill " + sessionsBeforeKill + "; after it: snapshots " + snapshotsOf(id) + ", backup sessions " + backupSessions(id)
                + ", PostgreSQL " + (primary.isRunning() ? "running" : "stopped");

        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            ShelterClient client = shelter.client(TOKEN);
            JsonNode backup = client.get("/api/v1/backups/" + id).body();
            Poll.until("PostgreSQL ends any session of " + id, Duration.ofSeconds(60), () -> backupSessions(id), n -> n == 0);
            List<Path> left = snapshotsOf(id);
            System.out.printf("%s backup killed at %s:%s -> %s; after the restart: state %s, snapshots %s, backup sessions %d, "
                            + "PostgreSQL %s, failure: %s%n", mode, step, moment, atKill, backup.path("state").asText(), left,
                    backupSessions(id), primary.isRunning() ? "running" : "stopped", backup.path("failure").asText());
            assertEquals(outcome, backup.path("state").asText(), backup.toString());
            assertTrue(primary.isRunning(), "PostgreSQL runs after the restart");
            assertEquals(0, backupSessions(id));
            if (outcome.equals("failed")) {
                assertEquals(List.of(), left, "no snapshot of the interrupted backup is left, finished or partial");
                assertTrue(backup.path("failure").asText().contains("Shelter stopped"), backup.toString());
            } else {
                assertEquals(1, left.size(), "the complete backup keeps its snapshot: " + left);
                assertDeleted(client, "/api/v1/backups/" + id);
                assertEquals(List.of(), snapshotsOf(id));
            }
            ShelterClient.Answer next = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"after the kill\"}");
            assertEquals(202, next.status(), next.text() + "\n" + shelter.log());
            JsonNode completed = client.awaitEnd(next.body().path("id").asText());
            assertEquals("completed", completed.path("state").asText(), completed.toString());
            assertDeleted(client, "/api/v1/backups/" + completed.path("id").asText());
        }
    }

    @ParameterizedTest(name = "a delete killed at DeleteSnapshots:{0} is finished after the restart")
    @ValueSource(strings = {"started", "executed"})
    void aDeleteKilledMidwayIsFinishedAfterTheRestart(String moment) throws Exception {
        run++;
        String id;
        try (ShelterProcess shelter = FrozenShelter.start(config, TOKEN, scratch.resolve("shelter-" + run + "-killed.log"), "DeleteSnapshots", moment)) {
            ShelterClient client = shelter.client(TOKEN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"to delete\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            assertEquals("completed", client.awaitEnd(id).path("state").asText());
            assertEquals(1, snapshotsOf(id).size());
            FrozenShelter.killDeleteAt(shelter, client, id, moment);
        }
        String atKill = "at the kill: snapshots " + snapshotsOf(id);

        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            JsonNode backup = shelter.client(TOKEN).get("/api/v1/backups/" + id).body();
            System.out.printf("delete killed at DeleteSnapshots:%s -> %s; after the restart: state %s, snapshots %s%n", moment,
                    atKill, backup.path("state").asText(), snapshotsOf(id));
            assertEquals("deleted", backup.path("state").asText(), backup.toString());
            assertEquals(List.of(), snapshotsOf(id), "no snapshot of the deleted backup is left");
        }
    }

    private static void assertDeleted(ShelterClient client, String path) {
        ShelterClient.Answer deleted = client.delete(path);
        assertEquals(200, deleted.status(), deleted.text());
    }

    private int backupSessions(String id) throws SQLException {
        if (!primary.isRunning()) {
            return 0;
        }
        try (Connection c = primary.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            s.setString(1, "shelter-backup-" + id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
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
