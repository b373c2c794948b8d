package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restores into a new cluster through the API, in local mode, on real PostgreSQL 15: each new
 * cluster, in its own data directory on its own port, answers with exactly the target's rows and
 * archives into its own archive; the source runs on with its rows, its server, its snapshots and
 * its archive as they were (compared before and after, file by file); and DELETE of each restore
 * leaves nothing of its new cluster behind.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalNewClusterRestoreIT {

    private static final String ADMIN = "new-cluster-it-admin-token";
    private static final int BATCHES = 6;
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(4);

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private InProcessShelter shelter;
    private ShelterClient admin;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String firstBackup;
    private String secondBackup;
    private SourceState sourceBefore;
    /** The restores that made a new cluster: id, its directory, its port. */
    private final List<Made> made = new ArrayList<>();

    private record Made(String id, String name, Path dataDirectory, int port) {
    }

    /** What must not change in the source: its rows, its server's pid, its snapshots, its archive (file by file). */
    private record SourceState(String rows, String postmasterPid, String snapshots, Map<String, String> archive) {
    }

    LocalNewClusterRestoreIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void writeBatchesAroundTwoBackups() throws Exception {
        scratch = ScratchDirectory.create("shelter-new-cluster-it");
        RestorableCluster cluster = RestorableCluster.create(binaries, scratch);
        primary = cluster.primary;
        Files.writeString(primary.dataDirectory().resolve("postgresql.conf"), "\ntrack_commit_timestamp = on\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(RestorableCluster.OPERATOR))
                .replaceFirst("port: 0", "port: " + cluster.shelterPort)
                + cluster.clustersSection("main", binaries, scratch.resolve("snapshots"))
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
        shelter = InProcessShelter.startOn(config, ADMIN);
        admin = shelter.client();
        restores = new RestoresThroughApi(admin, "main", RESTORE_TIMEOUT, primary::logTail);

        primary.start();
        cluster.archiveThroughShelter("main");
        table = new BatchedTable(primary::connect);
        table.create();
        firstBackup = restores.backUp("first");
        for (int number = 1; number <= BATCHES; number++) {
            table.commitNext();
            if (number == 3) {
                secondBackup = restores.backUp("second");
            }
            if (number % 2 == 0) {
                table.createRestorePoint("after-batch-" + number);
            }
        }
        // Every batch archived before the source's state is taken: a segment the source archives later is its own doing.
        String last = primary.queryValue("SELECT pg_walfile_name(pg_switch_wal())");
        Poll.until("the source's WAL archived through " + last, Duration.ofSeconds(60),
                () -> primary.queryValue("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), archived -> archived.compareTo(last) >= 0);
        sourceBefore = sourceState();
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            for (Made copy : made) {
                if (Files.isRegularFile(copy.dataDirectory().resolve("postmaster.pid"))) {
                    PostgresInstance.existing(binaries, scratch.resolve("stop-" + copy.name()), copy.dataDirectory(), copy.port(),
                            primary.password()).stop();
                }
            }
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
    @Order(0)
    void badOrdersAreRefusedAndTheDryRunChangesNothing() throws Exception {
        String restoresPath = "/api/v1/clusters/main/restores";
        ShelterClient.Answer nowhere = admin.post(restoresPath, "{\"strategy\": \"new-cluster\", \"target\": {\"latest\": true}}");
        assertEquals(400, nowhere.status(), nowhere.text());
        assertTrue(nowhere.body().path("message").asText().contains("newCluster"), nowhere.text());
        ShelterClient.Answer relative = admin.post(restoresPath, "{\"strategy\": \"new-cluster\", \"target\": {\"latest\": true}, "
                + "\"newCluster\": {\"dataDirectory\": \"copy\", \"port\": " + Ports.reserve() + "}}");
        assertEquals(400, relative.status(), relative.text());
        ShelterClient.Answer taken = admin.post(restoresPath, "{\"strategy\": \"new-cluster\", \"target\": {\"latest\": true}, "
                + "\"newCluster\": {\"dataDirectory\": \"" + primary.dataDirectory() + "\", \"port\": " + Ports.reserve() + "}}");
        assertEquals(422, taken.status(), "the source's own directory: " + taken.text());
        ShelterClient.Answer misplaced = admin.post(restoresPath, "{\"strategy\": \"clone-swap\", \"target\": {\"latest\": true}, "
                + "\"confirm\": \"main\", \"newCluster\": {\"dataDirectory\": \"/tmp/x\", \"port\": 6000}}");
        assertEquals(400, misplaced.status(), misplaced.text());

        Path copy = scratch.resolve("copy-preview");
        ShelterClient.Answer preview = admin.post(restoresPath, "{\"strategy\": \"new-cluster\", \"target\": {\"latest\": true}, "
                + "\"newCluster\": {\"dataDirectory\": \"" + copy + "\", \"port\": " + Ports.reserve() + "}, \"dryRun\": true}");
        assertEquals(200, preview.status(), preview.text());
        assertEquals(List.of("CheckTarget", "CloneIntoNewCluster", "ConfigureNewCluster", "WriteRecoveryFiles", "StartMember", "AwaitRecoveryEnd", "VerifyRestore"), preview.body().path("steps").findValuesAsText("name"), preview.text());
        assertTrue(preview.text().contains(copy.toString()), "the new cluster's place is shown: " + preview.text());
        assertFalse(Files.exists(copy), "nothing was cloned");
        assertEquals(0, admin.get(restoresPath).body().path("restores").size());
    }

    @Test
    @Order(1)
    void eachNewClusterAnswersWithItsTargetsRowsAndTheSourceIsUntouched() throws Exception {
        restoreIntoNewCluster("{\"time\": \"" + table.batch(2).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}", 2, firstBackup);
        restoreIntoNewCluster("{\"lsn\": \"" + table.batch(5).lsnAfter() + "\", \"timeline\": 1}", 5, secondBackup);
        restoreIntoNewCluster("{\"name\": \"after-batch-4\", \"timeline\": 1}", 4, secondBackup);
        assertEquals(sourceBefore, sourceState(), "the source's rows, server, snapshots and archive are as they were");
        assertEquals(BatchedTable.upTo(BATCHES), table.rowsNow());
    }

    private void restoreIntoNewCluster(String target, int batches, String expectedBackup) throws Exception {
        int port = Ports.reserve();
        Path dataDirectory = scratch.resolve("copy-" + made.size());
        String body = "{\"strategy\": \"new-cluster\", \"target\": " + target + ", \"newCluster\": {\"dataDirectory\": \"" + dataDirectory
                + "\", \"port\": " + port + "}}";
        ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores", body);
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        String name = started.body().path("newCluster").path("name").asText();
        made.add(new Made(id, name, dataDirectory, port));
        JsonNode restore = Poll.until("restore " + id + " into a new cluster ends", RESTORE_TIMEOUT,
                () -> admin.get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"), primary::logTail);
        assertEquals("completed", restore.path("state").asText(), restore.toPrettyString());
        assertEquals(expectedBackup, restore.path("backupId").asText(), restore.toPrettyString());
        JsonNode newCluster = restore.path("newCluster");
        assertEquals("running", newCluster.path("state").asText(), restore.toPrettyString());
        assertEquals(Integer.toString(port), newCluster.path("reach").path("port").asText(), restore.toPrettyString());
        assertEquals(dataDirectory.toString(), newCluster.path("reach").path("dataDirectory").asText());

        String jdbcUrl = newCluster.path("reach").path("jdbcUrl").asText();
        BatchedTable copy = new BatchedTable(() -> DriverManager.getConnection(jdbcUrl, "postgres", primary.password()));
        assertEquals(BatchedTable.upTo(batches), copy.rowsNow(), "rows of the new cluster restored to " + target);
        // It archives into its own archive: the history file of the timeline it promoted to is there, and nothing of it in the source's.
        long timeline = restore.path("promotedTimeline").asLong();
        Path archive = scratch.resolve("store/new-clusters/main/" + name + "/wal");
        String history = String.format("%08X.history.zst", timeline); // Shelter layout: each file zstd-compressed
        try (Stream<Path> files = Files.walk(archive)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals(history)), history + " in " + archive);
        }
        System.out.printf("new cluster %s restored to %s: %s; rto %s%n", name, target, copy.rowsNow(), restore.path("rto"));
    }

    @Test
    @Order(2)
    void deletingEachRestoreLeavesNothingOfItsNewClusterBehind() throws Exception {
        Made first = made.get(0);
        ShelterClient.Answer unconfirmed = admin.delete("/api/v1/restores/" + first.id());
        assertEquals(400, unconfirmed.status(), unconfirmed.text());
        assertTrue(unconfirmed.body().path("message").asText().contains("confirm=" + first.name()), unconfirmed.text());
        ShelterClient.Answer preview = admin.delete("/api/v1/restores/" + first.id() + "?dryRun=true");
        assertEquals(200, preview.status(), preview.text());
        assertEquals(List.of("StopNewCluster", "RemoveNewCluster", "RemoveNewClusterArchive"),
                preview.body().path("steps").findValuesAsText("name"), preview.text());
        assertTrue(Files.isDirectory(first.dataDirectory()), "the dry run removed nothing");

        for (Made copy : made) {
            ShelterClient.Answer deleted = admin.delete("/api/v1/restores/" + copy.id() + "?confirm=" + copy.name());
            assertEquals(202, deleted.status(), deleted.text());
            JsonNode restore = Poll.until("the new cluster of " + copy.id() + " removed", Duration.ofMinutes(2),
                    () -> admin.get("/api/v1/restores/" + copy.id()).body(),
                    r -> !r.path("newCluster").path("state").asText().equals("removing"), primary::logTail);
            assertEquals("removed", restore.path("newCluster").path("state").asText(), restore.toPrettyString());
            assertEquals("completed", restore.path("state").asText(), "the restore itself stays as it ended");
            assertFalse(Files.exists(copy.dataDirectory()), copy.dataDirectory() + " is gone");
            assertFalse(listening(copy.port()), "nothing listens on " + copy.port() + " any more");
            Path archive = scratch.resolve("store/new-clusters/main/" + copy.name());
            assertEquals(List.of(), filesUnder(archive), "its archive is gone");
            ShelterClient.Answer again = admin.delete("/api/v1/restores/" + copy.id() + "?confirm=" + copy.name());
            assertEquals(409, again.status(), again.text());
        }
        try (Stream<Path> left = Files.list(scratch.path())) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("copy-")).toList(), "no copy is left");
        }
        assertEquals(sourceBefore, sourceState(), "the source is as it was");
    }

    private SourceState sourceState() throws Exception {
        Map<String, String> archive = new TreeMap<>();
        Path wal = scratch.resolve("store/wal/main");
        for (Path file : filesUnder(wal)) {
            archive.put(wal.relativize(file).toString(), TreeDigest.of(file));
        }
        return new SourceState(table.rowsNow(), primary.queryValue("SELECT pg_postmaster_start_time()::text"),
                TreeDigest.of(scratch.resolve("snapshots")), archive);
    }

    private static List<Path> filesUnder(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
