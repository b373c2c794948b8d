package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.testing.FreezableFilesystem;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Online backups in local mode against real PostgreSQL 15 clusters of the test's own: a primary
 * with a plain archive_command, and a server held in standby mode. Shelter runs in-process.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalBackupIT {

    private static final String TOKEN = "local-backup-it-admin-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private Path root;
    /** Where the snapshots go: a filesystem the test can freeze, to hold a backup mid-snapshot for certain. */
    private FreezableFilesystem snapshotFilesystem;
    private com.sun.net.httpserver.HttpServer hookServer;
    private final java.util.Queue<String> hookCalls = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private PostgresInstance primary;
    private PostgresInstance standby;
    private InProcessShelter shelter;
    private ShelterClient client;

    LocalBackupIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    /** Each test has clusters, a store and a Shelter of its own: no test sees another's backups, files or calls. */
    @BeforeEach
    void startClustersAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-local-backup-it");
        root = scratch.path();
        snapshotFilesystem = FreezableFilesystem.mount(root.resolve("snapshot-fs"), 1024);
        primary = PostgresInstance.create(binaries, root.resolve("primary"));
        primary.start();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, payload text NOT NULL)");
            s.execute("INSERT INTO ledger (payload) SELECT 'before ' || g FROM generate_series(1, 1000) g");
            s.execute("CREATE TABLE hook_log (at timestamptz NOT NULL DEFAULT clock_timestamp(), what text NOT NULL)");
        }
        hookServer = startHookServer();
        standby = PostgresInstance.create(binaries, root.resolve("standby"));
        Path signal = standby.dataDirectory().resolve("standby.signal");
        Files.createFile(signal);
        PostgresInstance.chownToServerUser(signal);
        standby.start();

        Path config = root.resolve("shelter.yml");
        Files.writeString(config, shelterConfig(root.resolve("store"), "memory"));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    String shelterConfig(Path store, String catalogKind) {
        return InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                catalog: {kind: %s}
                clusters:
                  - name: primary
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    backups: {walTimeoutSeconds: 60, maxAgeMinutes: 60}
                  - name: standby
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    backups: {maxAgeMinutes: 1}
                  - name: with-tablespace
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}, {role: tablespace, name: alpha, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                  - name: missing-volume
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}, {role: tablespace, name: ghost, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                  - name: hooked
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    hooks:
                      pre: [{sql: "INSERT INTO hook_log (what) VALUES ('pre')"}, {url: "%s/pre", timeoutSeconds: 5}]
                      post: [{url: "%s/post", method: PUT}]
                  - name: hook-fails
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: local-directory, directory: "%s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    hooks:
                      pre: [{url: "%s/refuse", timeoutSeconds: 5}]
                objectStore: {kind: filesystem, directory: "%s"}
                """.formatted(catalogKind,
                primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(), primary.dataDirectory(),
                snapshots(), primary.archiveDirectory(),
                standby.dataDirectory(), binaries.directory(), standby.jdbcUrl(), standby.password(), standby.dataDirectory(),
                snapshots(),
                primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(), primary.dataDirectory(),
                tablespaceDirectory(), snapshots(), primary.archiveDirectory(),
                primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(), primary.dataDirectory(),
                root.resolve("no-such-volume"), snapshots(), primary.archiveDirectory(),
                primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(), primary.dataDirectory(),
                snapshots(), primary.archiveDirectory(), hookUrl(), hookUrl(),
                primary.dataDirectory(), binaries.directory(), primary.jdbcUrl(), primary.password(), primary.dataDirectory(),
                snapshots(), primary.archiveDirectory(), hookUrl(),
                store);
    }

    @AfterEach
    void stopEverything() throws IOException {
        if (snapshotFilesystem != null) {
            snapshotFilesystem.thaw(); // a failed test may leave it frozen, and Shelter's backup waiting on it
        }
        if (shelter != null) {
            shelter.close();
        }
        if (hookServer != null) {
            hookServer.stop(0);
        }
        if (primary != null) {
            primary.close();
        }
        if (standby != null) {
            standby.close();
        }
        if (snapshotFilesystem != null) {
            snapshotFilesystem.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    private Path snapshots() {
        return snapshotFilesystem.path().resolve("snapshots");
    }

    @Test
    void anOnlineBackupUnderConcurrentWritesCompletesAndKeepsTheLabelFileByteForByte() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong committed = new AtomicLong();
        Thread writer = startWriter(writing, committed);
        try {
            Poll.until("the writer commits", Duration.ofSeconds(30), committed::get, n -> n > 0);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups",
                    "{\"mode\":\"online\",\"label\":\"it concurrent\",\"fastCheckpoint\":true}");
            assertEquals(202, started.status(), started.text());
            assertEquals("running", started.body().path("state").asText());
            long committedAtStart = committed.get();

            JsonNode backup = client.awaitEnd(started.body().path("id").asText());
            long committedDuring = committed.get() - committedAtStart;

            assertEquals("completed", backup.path("state").asText(), backup.toString());
            assertTrue(backup.path("finishedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"),
                    "times are ISO-8601, as the OpenAPI document says: " + backup.path("finishedAt"));
            assertTrue(committedDuring > 0, "the writer committed during the backup");
            assertTrue(backup.path("backupModeSeconds").asDouble() > 0, backup.toString());
            assertEquals(15, backup.path("postgresVersionNum").asInt() / 10000);
            String labelFile = backup.path("labelFile").asText();
            assertTrue(labelFile.startsWith("START WAL LOCATION: " + backup.path("startLsn").asText() + " "), labelFile);
            assertTrue(labelFile.contains("\nLABEL: it concurrent\n"), labelFile);
            assertEquals(labelFile, labelFileFromHistory(labelFile), "backup_label equals what pg_backup_stop returned");
            assertEquals(1, backup.path("snapshots").size());
            String snapshot = backup.path("snapshots").get(0).path("snapshot").asText();
            assertTrue(Files.exists(snapshotDirectory(snapshot).resolve("PG_VERSION")), "the snapshot holds the data directory");
            assertTrue(Files.exists(primary.archiveDirectory().resolve(lastSegment(backup))), "WAL through the stop LSN is archived");
        } finally {
            writing.set(false);
            writer.join();
        }
    }

    /**
     * PostgreSQL writes the label file into the archived backup history file with a STOP WAL LOCATION
     * line after the first line and STOP TIME and STOP TIMELINE at the end: taking those out must
     * give back the manifest's label file exactly. The stop call does not wait for the archive, and
     * Shelter waits only for the WAL segment, so the history file may arrive a moment after the backup
     * completed.
     */
    private String labelFileFromHistory(String labelFile) throws IOException {
        String startLine = labelFile.substring(0, labelFile.indexOf('\n'));
        Poll.until("the backup history file starting with '" + startLine + "' is archived", Duration.ofSeconds(30),
                () -> historyFileStartingWith(startLine));
        try (Stream<Path> files = Files.list(primary.archiveDirectory())) {
            for (Path history : files.filter(f -> f.getFileName().toString().endsWith(".backup")).toList()) {
                String text = Files.readString(history, StandardCharsets.UTF_8);
                if (text.startsWith(startLine + "\n")) {
                    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
                    assertTrue(lines.get(1).startsWith("STOP WAL LOCATION: "));
                    lines.remove(1);
                    lines.removeIf(l -> l.startsWith("STOP TIME: ") || l.startsWith("STOP TIMELINE: "));
                    return String.join("\n", lines);
                }
            }
        }
        throw new AssertionError("no backup history file in the archive starts with '" + startLine + "'");
    }

    private boolean historyFileStartingWith(String startLine) throws IOException {
        try (Stream<Path> files = Files.list(primary.archiveDirectory())) {
            for (Path history : files.filter(f -> f.getFileName().toString().endsWith(".backup")).toList()) {
                if (Files.readString(history, StandardCharsets.UTF_8).startsWith(startLine + "\n")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void killingTheBackupSessionMidBackupFailsTheBackupDeletesItsSnapshotAndTheNextOneSucceeds() throws Exception {
        // Frozen, the snapshot filesystem holds the backup in the middle of its snapshot, in backup mode, until thawed.
        snapshotFilesystem.freeze();
        String id;
        try {
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it terminated\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            client.awaitBackup(id, b -> "snapshotting".equals(b.path("phase").asText()), Duration.ofSeconds(60));

            try (Connection c = primary.connect(); PreparedStatement s = c.prepareStatement(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
                s.setString(1, "shelter-backup-" + id);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    assertEquals(1, r.getInt(1), "the backup session was found and terminated");
                }
            }
        } finally {
            snapshotFilesystem.thaw();
        }
        JsonNode failed = client.awaitEnd(id);

        assertEquals("failed", failed.path("state").asText(), failed.toString());
        assertTrue(failed.path("failure").asText().contains("stop backup mode"), failed.toString());
        assertEquals(0, failed.path("snapshots").size());
        assertFalse(Files.exists(snapshotDirectory("shelter-" + id)), "the snapshot of the failed backup is deleted");
        // The failure is recorded by the rollback's last undo; the run journals its end just after, and until
        // then the cluster is busy (409).
        ShelterClient.Answer next = Poll.until("a new backup once the failed one's run has ended", Duration.ofSeconds(60),
                () -> client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it after terminate\"}"),
                answer -> answer.status() != 409);
        assertEquals(202, next.status(), next.text());
        assertEquals("completed", client.awaitEnd(next.body().path("id").asText()).path("state").asText());
    }

    @Test
    void badRequestsGetClearAnswers() throws Exception {
        ShelterClient.Answer unknown = client.post("/api/v1/clusters/nosuch/backups", "{}");
        assertEquals(404, unknown.status(), unknown.text());
        assertTrue(unknown.body().path("message").asText().contains("nosuch"));

        ShelterClient.Answer badMode = client.post("/api/v1/clusters/primary/backups", "{\"mode\":\"sideways\"}");
        assertEquals(400, badMode.status(), badMode.text());
        assertTrue(badMode.body().path("message").asText().contains("online"), badMode.text());

        ShelterClient.Answer badLabel = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"two\\nlines\"}");
        assertEquals(400, badLabel.status(), badLabel.text());

        ShelterClient.Answer standbyTarget = client.post("/api/v1/clusters/standby/backups", "{}");
        assertEquals(409, standbyTarget.status(), standbyTarget.text());
        assertTrue(standbyTarget.body().path("message").asText().contains("standby"), standbyTarget.text());

        ShelterClient.Answer badState = client.get("/api/v1/clusters/primary/backups?state=lost");
        assertEquals(400, badState.status(), badState.text());
        ShelterClient.Answer badLimit = client.get("/api/v1/clusters/primary/backups?limit=many");
        assertEquals(400, badLimit.status(), badLimit.text());
        assertEquals(404, client.get("/api/v1/backups/20200101T000000Z-000000").status());
        assertEquals(404, client.get("/api/v1/backups/not-an-id").status());

        snapshotFilesystem.freeze(); // the first backup stays running, mid-snapshot, until thawed
        String firstId;
        try {
            ShelterClient.Answer first = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it first\"}");
            assertEquals(202, first.status(), first.text());
            firstId = first.body().path("id").asText();
            client.awaitBackup(firstId, b -> "snapshotting".equals(b.path("phase").asText()), Duration.ofSeconds(60));
            ShelterClient.Answer second = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it second\"}");
            assertEquals(409, second.status(), second.text());
            assertTrue(second.body().path("message").asText().contains(firstId), second.text());
            ShelterClient.Answer deleteRunning = client.delete("/api/v1/backups/" + firstId);
            assertEquals(409, deleteRunning.status(), deleteRunning.text());
        } finally {
            snapshotFilesystem.thaw();
        }
        assertEquals("completed", client.awaitEnd(firstId).path("state").asText());
    }

    @Test
    void aFreshShelterRebuildsItsIndexFromTheStoreAndDeletingLeavesATombstone() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it rebuild\"}");
        JsonNode done = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", done.path("state").asText(), done.toString());
        JsonNode before = client.get("/api/v1/clusters/primary/backups?limit=500").body();

        Path config = root.resolve("fresh.yml");
        Files.writeString(config, shelterConfig(root.resolve("store"), "memory"));
        try (InProcessShelter fresh = InProcessShelter.startOn(config, TOKEN)) {
            ShelterClient freshClient = fresh.client();
            JsonNode after = freshClient.get("/api/v1/clusters/primary/backups?limit=500").body();
            // A deleted backup's manifest left the store with its snapshots: only the index remembered it.
            assertEquals(ids(before), ids(after));
            assertEquals(ids(before).size(), after.path("total").asInt());
            JsonNode rebuilt = freshClient.get("/api/v1/backups/" + done.path("id").asText()).body();
            assertEquals(done.path("labelFile").asText(), rebuilt.path("labelFile").asText());
        }

        String snapshot = done.path("snapshots").get(0).path("snapshot").asText();
        ShelterClient.Answer deleted = client.delete("/api/v1/backups/" + done.path("id").asText());
        assertEquals(200, deleted.status(), deleted.text());
        assertEquals("deleted", deleted.body().path("state").asText());
        assertFalse(Files.exists(snapshotDirectory(snapshot)));
        // The manifest became a tombstone: a second delete answers the same, before a restart and after it.
        String id = done.path("id").asText();
        ShelterClient.Answer again = client.delete("/api/v1/backups/" + id);
        assertEquals(200, again.status(), again.text());
        assertEquals("deleted", again.body().path("state").asText());
        try (InProcessShelter fresh = InProcessShelter.startOn(config, TOKEN)) {
            ShelterClient.Answer afterRestart = fresh.client().delete("/api/v1/backups/" + id);
            assertEquals(200, afterRestart.status(), afterRestart.text());
            assertEquals("deleted", afterRestart.body().path("state").asText());
            assertEquals(0, afterRestart.body().path("snapshots").size(), afterRestart.text());
        }
    }

    @Test
    void aDryRunAnswersEachStepWithItsTargetAndChangesNothing() throws Exception {
        ShelterClient.Answer online = client.post("/api/v1/clusters/primary/backups", "{\"dryRun\":true,\"label\":\"a preview\"}");
        assertEquals(200, online.status(), online.text());
        assertEquals("backup-online", online.body().path("plan").asText(), online.text());
        assertEquals(List.of("RecordBackupRunning", "RunPreHooks", "OpenBackupSession", "LocateVolumes", "SnapshotInBackupMode",
                "AwaitWalArchived", "RecordBackupComplete", "RunPostHooks"), names(online.body()));
        String inBackupMode = online.body().path("steps").get(4).path("target").asText();
        assertTrue(inBackupMode.startsWith("pg_backup_start('a preview', fast => true), snapshots " + primary.dataDirectory()
                + "@shelter-"), inBackupMode);

        // An offline dry run needs no confirmation: it stops nothing.
        ShelterClient.Answer offline = client.post("/api/v1/clusters/primary/backups", "{\"mode\":\"offline\",\"dryRun\":true}");
        assertEquals(200, offline.status(), offline.text());
        assertEquals("backup-offline", offline.body().path("plan").asText());
        assertTrue(names(offline.body()).containsAll(List.of("StopServer", "ReadShutdownCheckpoint", "StartServer")), offline.text());

        assertTrue(primary.isRunning(), "the server still runs");
        assertEquals(0, client.get("/api/v1/clusters/primary/backups").body().path("total").asInt(), "no manifest");
        assertFalse(Files.exists(root.resolve("store").resolve("backups")), "no manifest in the store");
        assertFalse(Files.exists(root.resolve("store").resolve("journals")), "no journal in the store");
        assertFalse(Files.exists(snapshots()) && !listing(snapshots()).isEmpty(), "no snapshot: " + (Files.exists(snapshots()) ? listing(snapshots()) : ""));
        assertEquals("0", primary.queryValue("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'shelter-backup-%'"),
                "no backup session");
    }

    private static List<String> names(JsonNode plan) {
        List<String> names = new ArrayList<>();
        plan.path("steps").forEach(step -> names.add(step.path("name").asText()));
        return names;
    }

    private static List<Path> listing(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(path -> !path.equals(directory)).toList();
        }
    }

    @Test
    void anOfflineBackupStopsCleanlySnapshotsTheShutdownCheckpointAndStartsTheServerAgain() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"mode\":\"offline\",\"label\":\"it offline\",\"confirm\":\"primary\"}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());

        assertEquals("completed", backup.path("state").asText(), backup.toString());
        assertEquals("offline", backup.path("mode").asText());
        assertEquals("", backup.path("labelFile").asText(""), "an offline backup has no backup_label");
        assertEquals(backup.path("startLsn").asText(), backup.path("stopLsn").asText(), "start and stop are the shutdown checkpoint");
        try (Connection c = primary.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM ledger WHERE payload LIKE 'before %'")) {
            r.next();
            assertEquals(1000, r.getLong(1), "the server runs again, with its rows");
        }
        Path snapshot = snapshotDirectory(backup.path("snapshots").get(0).path("snapshot").asText());
        assertFalse(Files.exists(snapshot.resolve("postmaster.pid")), "the snapshot was taken with the server stopped");
        Process controldata = new ProcessBuilder(binaries.directory().resolve("pg_controldata").toString(), snapshot.toString())
                .redirectErrorStream(true).start();
        String control = new String(controldata.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, controldata.waitFor(), control);
        assertTrue(control.contains("Database cluster state:               shut down\n"), control);
        assertTrue(control.contains("Latest checkpoint location:           " + backup.path("startLsn").asText() + "\n"), control);
    }

    @Test
    void aBackupSetSpansEveryVolumeWithTheTablespaceMapAndAMissingVolumeFailsTheWholeSet() throws Exception {
        Path tablespace = tablespaceDirectory();
        Files.createDirectories(tablespace);
        PostgresInstance.chownToServerUser(tablespace);
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLESPACE alpha LOCATION '" + tablespace + "'");
            s.execute("CREATE TABLE spread TABLESPACE alpha AS SELECT g FROM generate_series(1, 1000) g");
        }
        try {
            ShelterClient.Answer started = client.post("/api/v1/clusters/with-tablespace/backups", "{\"label\":\"it tablespace\"}");
            assertEquals(202, started.status(), started.text());
            JsonNode backup = client.awaitEnd(started.body().path("id").asText());
            assertEquals("completed", backup.path("state").asText(), backup.toString());
            assertEquals(2, backup.path("snapshots").size(), backup.toString());
            String oid;
            try (Connection c = primary.connect(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT oid FROM pg_tablespace WHERE spcname = 'alpha'")) {
                r.next();
                oid = r.getString(1);
            }
            assertEquals(oid + " " + tablespace + "\n", backup.path("tablespaceMap").asText(),
                    "the tablespace map, as pg_backup_stop returned it");
            JsonNode alpha = backup.path("snapshots").get(1);
            assertEquals("alpha", alpha.path("name").asText(), alpha.toString());
            try (Stream<Path> copied = Files.list(snapshotDirectory("tablespace-alpha", alpha.path("snapshot").asText()))) {
                assertTrue(copied.anyMatch(p -> p.getFileName().toString().startsWith("PG_15_")), "the tablespace's files are in its snapshot");
            }

            ShelterClient.Answer broken = client.post("/api/v1/clusters/missing-volume/backups", "{\"label\":\"it missing volume\"}");
            assertEquals(202, broken.status(), broken.text());
            String brokenId = broken.body().path("id").asText();
            JsonNode failed = client.awaitEnd(brokenId);
            assertEquals("failed", failed.path("state").asText(), failed.toString());
            assertTrue(failed.path("failure").asText().contains("no-such-volume"), failed.toString());
            assertFalse(Files.exists(snapshotDirectory("shelter-" + brokenId)), "the PGDATA snapshot of a partial set is deleted");
        } finally {
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE spread");
                s.execute("DROP TABLESPACE alpha");
            }
        }
    }

    private Path tablespaceDirectory() {
        return root.resolve("tablespace-alpha");
    }

    @Test
    void preHooksRunBeforeBackupModeAndAFailingOneFailsTheBackupBeforeItStarts() throws Exception {
        hookCalls.clear();
        ShelterClient.Answer started = client.post("/api/v1/clusters/hooked/backups", "{\"label\":\"it hooks\"}");
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), backup.toString());
        awaitHookCall("PUT /post");
        assertEquals(List.of("POST /pre", "PUT /post"), List.copyOf(hookCalls));
        try (Connection c = primary.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM hook_log WHERE what = 'pre' AND at < '"
                     + backup.path("requestedAt").asText() + "'::timestamptz + interval '1 minute'")) {
            r.next();
            assertEquals(1, r.getInt(1), "the SQL pre-hook ran on the cluster");
        }

        hookCalls.clear();
        ShelterClient.Answer refused = client.post("/api/v1/clusters/hook-fails/backups", "{\"label\":\"it hook fails\"}");
        String id = refused.body().path("id").asText();
        JsonNode failed = client.awaitEnd(id);
        assertEquals("failed", failed.path("state").asText(), failed.toString());
        assertTrue(failed.path("failure").asText().contains("pre-hook POST " + hookUrl() + "/refuse failed: answered HTTP 503"),
                failed.toString());
        assertTrue(failed.path("startLsn").isMissingNode() || failed.path("startLsn").isNull(),
                "backup mode never started: " + failed);
        assertFalse(Files.exists(snapshotDirectory("shelter-" + id)));
        assertEquals(List.of("POST /refuse"), List.copyOf(hookCalls));
    }

    private String hookUrl() {
        return "http://127.0.0.1:" + hookServer.getAddress().getPort() + "/hooks";
    }

    /** A hook receiver: records "METHOD /name" and answers 204, or 503 for /hooks/refuse. */
    private com.sun.net.httpserver.HttpServer startHookServer() throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hooks/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring("/hooks".length());
            hookCalls.add(exchange.getRequestMethod() + " " + name);
            exchange.sendResponseHeaders(name.equals("/refuse") ? 503 : 204, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private void awaitHookCall(String call) {
        Poll.until("the hook receiver gets " + call, Duration.ofSeconds(30), () -> List.copyOf(hookCalls), calls -> calls.contains(call));
    }

    @Test
    void metricsAndTheBackupAgeCheckFollowCompletedBackups() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it metrics\"}");
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), backup.toString());

        JsonNode health = ShelterClient.JSON.readTree(adminGet("/healthcheck"));
        assertTrue(health.path("backup-age-primary").path("healthy").asBoolean(), health.toString());
        assertFalse(health.path("backup-age-standby").path("healthy").asBoolean(), health.toString());
        assertTrue(health.path("backup-age-standby").path("message").asText().contains("standby has no completed backup"),
                health.toString());

        String prometheus = adminGet("/prometheus");
        assertTrue(prometheusValue(prometheus, "shelter_backup_mode_duration_seconds_count{cluster=\"primary\"}") >= 1, prometheus);
        assertTrue(prometheusValue(prometheus, "shelter_backups_total{cluster=\"primary\",state=\"completed\"}") >= 1, prometheus);
        double age = System.currentTimeMillis() / 1000.0
                - prometheusValue(prometheus, "shelter_backup_last_completed_timestamp_seconds{cluster=\"primary\"}");
        assertTrue(age >= 0 && age < 600, "age of the newest completed backup: " + age);
        assertEquals(0, prometheusValue(prometheus, "shelter_backup_last_completed_timestamp_seconds{cluster=\"standby\"}"));
    }

    private String adminGet(String path) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + shelter.adminPort() + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double prometheusValue(String exposition, String sample) {
        return exposition.lines().filter(l -> l.startsWith(sample + " ") || l.startsWith(sample + "{")).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .orElseThrow(() -> new AssertionError("no sample " + sample + " in:\n" + exposition));
    }

    @Test
    void theCommandLineCreatesListsShowsAndDeletesBackupsThroughTheApi() throws Exception {
        Path tokenFile = root.resolve("cli-token");
        Files.writeString(tokenFile, TOKEN + "\n");
        String url = "http://127.0.0.1:" + shelter.port();

        CliRun created = runCli("backup", "create", "primary", "--label", "it cli", "--wait", "--url", url, "--token-file",
                tokenFile.toString());
        assertTrue(created.error().isEmpty(), created.toString());
        String id = created.out().lines().findFirst().orElseThrow().split(" ")[1];
        assertTrue(created.out().contains("backup " + id + " completed: start "), created.toString());
        assertEquals("completed", client.get("/api/v1/backups/" + id).body().path("state").asText());

        CliRun listed = runCli("backup", "list", "primary", "--state", "completed", "--url", url, "--token-file", tokenFile.toString());
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains(" completed ") && l.contains("it cli")),
                listed.toString());

        CliRun shown = runCli("backup", "show", id, "--url", url, "--token-file", tokenFile.toString());
        assertEquals(client.get("/api/v1/backups/" + id).body(), ShelterClient.JSON.readTree(shown.out()));

        CliRun deleted = runCli("backup", "delete", id, "--url", url, "--token-file", tokenFile.toString());
        assertEquals("backup " + id + " deleted", deleted.out().strip(), deleted.toString());

        CliRun unknownCluster = runCli("backup", "create", "nosuch", "--url", url, "--token-file", tokenFile.toString());
        assertTrue(unknownCluster.error().isPresent());
        assertTrue(unknownCluster.err().contains("HTTP 404") && unknownCluster.err().contains("nosuch"), unknownCluster.toString());
        assertFalse(unknownCluster.err().contains("\tat "), "a refusal shows the message, not a stack trace");

        Files.writeString(tokenFile, "not-a-token");
        CliRun badToken = runCli("backup", "list", "primary", "--url", url, "--token-file", tokenFile.toString());
        assertTrue(badToken.err().contains("HTTP 401"), badToken.toString());
        CliRun nobodyHome = runCli("backup", "list", "primary", "--url", "http://127.0.0.1:1", "--token-file", tokenFile.toString());
        assertTrue(nobodyHome.err().contains("cannot reach Shelter at http://127.0.0.1:1"), nobodyHome.toString());
    }

    @Test
    void catalogRebuildFillsThePostgresIndexWithEveryManifestInTheStore() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"it catalog\"}");
        assertEquals("completed", client.awaitEnd(started.body().path("id").asText()).path("state").asText());
        long manifests;
        // Only the manifests' tree: the backup's run may still be writing its journal (and its
        // temporary files) beside them.
        try (Stream<Path> files = Files.walk(root.resolve("store").resolve("backups"))) {
            manifests = files.filter(f -> f.getFileName().toString().equals("manifest.json")).count();
        }
        // The primary's own server hosts the catalog database here; in production it is a database of its own.
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS shelter_catalog_it");
            s.execute("CREATE DATABASE shelter_catalog_it");
        }
        Path config = root.resolve("catalog.yml");
        Files.writeString(config, shelterConfig(root.resolve("store"), "postgres").replace("catalog: {kind: postgres}",
                "catalog: {kind: postgres, postgres: {jdbcUrl: \"%s\", user: postgres, password: \"%s\"}}".formatted(
                        primary.jdbcUrl().replace("/postgres", "/shelter_catalog_it"), primary.password())));

        CliRun rebuilt = runCli("catalog", "rebuild", config.toString());
        assertTrue(rebuilt.error().isEmpty(), rebuilt.toString());
        assertTrue(rebuilt.out().contains("rebuilt from the object store: " + manifests + " backup manifest(s)"), rebuilt.toString());
        try (Connection c = java.sql.DriverManager.getConnection(primary.jdbcUrl().replace("/postgres", "/shelter_catalog_it"),
                "postgres", primary.password()); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE id = '"
                     + started.body().path("id").asText() + "') FROM shelter_backup_index")) {
            r.next();
            assertEquals(manifests, r.getLong(1));
            assertEquals(1, r.getLong(2));
        }

        CliRun memory = runCli("catalog", "rebuild", root.resolve("shelter.yml").toString());
        assertTrue(memory.out().contains("nothing to do"), memory.toString());
        CliRun missing = runCli("catalog", "rebuild", root.resolve("nosuch.yml").toString());
        assertTrue(missing.error().isPresent());
        assertTrue(missing.err().contains("nosuch.yml"), missing.toString());
    }

    private record CliRun(java.util.Optional<Throwable> error, String out, String err) {
    }

    /** The command line as {@code java -jar shelter.jar ...} runs it, with its output captured. */
    private static CliRun runCli(String... arguments) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream commandOut = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
        io.dropwizard.core.setup.Bootstrap<ShelterConfiguration> bootstrap = new io.dropwizard.core.setup.Bootstrap<>(new ShelterApplication());
        bootstrap.addCommand(new dev.shelter.service.cli.BackupCommand(commandOut, java.util.Map.of()));
        bootstrap.addCommand(new CatalogCommand(commandOut));
        io.dropwizard.core.cli.Cli cli = new io.dropwizard.core.cli.Cli(new io.dropwizard.util.JarLocation(LocalBackupIT.class),
                bootstrap, out, err);
        java.util.Optional<Throwable> error = cli.run(arguments);
        return new CliRun(error, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The backups a page lists, with their states, leaving out deleted ones. */
    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("backups").forEach(b -> {
            if (!"deleted".equals(b.path("state").asText())) {
                ids.add(b.path("id").asText() + ":" + b.path("state").asText());
            }
        });
        return ids;
    }

    private Path snapshotDirectory(String snapshot) throws IOException {
        return snapshotDirectory("primary_data", snapshot);
    }

    /** Where the local snapshotter keeps {@code snapshot} of the volume whose path contains {@code volumePart}. */
    private Path snapshotDirectory(String volumePart, String snapshot) throws IOException {
        try (Stream<Path> volumes = Files.list(snapshots())) {
            return volumes.filter(v -> v.getFileName().toString().contains(volumePart)).findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot directory for " + volumePart)).resolve(snapshot);
        }
    }

    private static String lastSegment(JsonNode backup) {
        dev.shelter.runbooks.backup.Lsn stop = dev.shelter.runbooks.backup.Lsn.parse(backup.path("stopLsn").asText());
        return dev.shelter.runbooks.wal.WalFileName.lastNeededBefore(
                new dev.shelter.runbooks.backup.Timeline(backup.path("timeline").asLong()), stop, 16L * 1024 * 1024).value();
    }

    private Thread startWriter(AtomicBoolean writing, AtomicLong committed) {
        Thread writer = new Thread(() -> {
            try (Connection c = primary.connect(); PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO ledger (payload) VALUES (?)")) {
                while (writing.get()) {
                    insert.setString(1, "during " + committed.get());
                    insert.executeUpdate();
                    committed.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, "ledger-writer");
        writer.start();
        return writer;
    }
}
