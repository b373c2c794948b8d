package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restores from the off-site repository through the API, in local mode, on real PostgreSQL 15,
 * the repository encrypted: a damaged chunk fails the restore before the cluster is touched, naming
 * the chunk and the backup; with the data directory and every snapshot gone (the local stand-in for
 * a lost Ceph pool), a point-in-time restore is rebuilt from the copy and the archived WAL and has
 * exactly the rows committed up to its target; and a Shelter holding another master key refuses,
 * saying why, with nothing changed.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OffsiteRestoreIT {

    private static final String ADMIN = "offsite-restore-it-admin-token";
    private static final int BATCHES = 4;
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(4);

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private RestorableCluster cluster;
    private InProcessShelter shelter;
    private ShelterClient admin;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String backup;
    private String clusters;

    OffsiteRestoreIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void exportABackupAndCommitBatchesAfterIt() throws Exception {
        scratch = ScratchDirectory.create("shelter-offsite-restore-it");
        cluster = RestorableCluster.create(binaries, scratch);
        Files.writeString(cluster.primary.dataDirectory().resolve("postgresql.conf"), "\ntrack_commit_timestamp = on\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        clusters = cluster.clustersSection("main", binaries, scratch.resolve("snapshots"))
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n";
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(RestorableCluster.OPERATOR))
                .replaceFirst("port: 0", "port: " + cluster.shelterPort) + clusters + offsiteSection(keyFile("master.key", 5)));
        shelter = InProcessShelter.startOn(config, ADMIN);
        admin = shelter.client();
        restores = new RestoresThroughApi(admin, "main", RESTORE_TIMEOUT, cluster.primary::logTail);

        cluster.primary.start();
        cluster.archiveThroughShelter("main");
        table = new BatchedTable(cluster.primary::connect);
        table.create();
        table.commitNext();
        backup = restores.backUp("before the loss");
        ShelterClient.Answer export = admin.postWhenFree("/api/v1/backups/" + backup + "/export", "");
        assertEquals(202, export.status(), export.text());
        Poll.until("backup " + backup + " has its copy", Duration.ofMinutes(3),
                () -> admin.get("/api/v1/backups/" + backup).body().path("offsite"), offsite -> offsite.path("state").asText().equals("exported"));
        for (int number = 2; number <= BATCHES; number++) {
            table.commitNext();
        }
    }

    @AfterAll
    void stopEverything() {
        try {
            if (shelter != null) {
                shelter.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    @Order(0)
    void aScrubReadsTheCopyBackAndCallsItVerified() {
        ShelterClient.Answer outOfRange = admin.post("/api/v1/backups/" + backup + "/scrub", "{\"sample\": 101}");
        assertEquals(400, outOfRange.status(), outOfRange.text());

        JsonNode offsite = scrub(100);

        assertEquals("verified", offsite.path("state").asText(), offsite.toPrettyString());
        assertTrue(offsite.hasNonNull("verifiedAt"), offsite.toPrettyString());
        JsonNode last = offsite.path("lastScrub");
        assertTrue(last.path("chunksNeeded").asInt() > 10, offsite.toPrettyString());
        assertEquals(last.path("chunksNeeded").asInt(), last.path("chunksRead").asInt(), "all of them read back: " + offsite);
    }

    /** A deep scrub on a schedule, in slices: here one slice, every 2 s, so that a fire comes soon and reads everything. */
    @Test
    @Order(0)
    void aScheduledScrubReadsItsSliceOfEachExportedCopy() {
        String schedules = "/api/v1/clusters/main/schedules";
        assertEquals(400, admin.post(schedules, "{\"kind\": \"offsite-scrub\", \"cron\": \"0 3 * * *\", \"slices\": 0}").status());
        assertEquals(400, admin.post(schedules, "{\"kind\": \"backup\", \"cron\": \"0 3 * * *\", \"slices\": 7}").status());
        ShelterClient.Answer weekly = admin.post(schedules, "{\"kind\": \"offsite-scrub\", \"cron\": \"0 3 * * *\"}");
        assertEquals(201, weekly.status(), weekly.text());
        assertEquals(7, weekly.body().path("slices").asInt(), "seven slices unless told: " + weekly.text());
        assertEquals(204, admin.delete("/api/v1/schedules/" + weekly.body().path("id").asText()).status());

        ShelterClient.Answer created = admin.post(schedules, "{\"kind\": \"offsite-scrub\", \"cron\": \"*/2 * * * * ?\", \"slices\": 1}");
        assertEquals(201, created.status(), created.text());
        String id = created.body().path("id").asText();
        try {
            JsonNode fire = Poll.until("a fire of " + id + " has run", Duration.ofMinutes(1), () -> {
                for (JsonNode recent : admin.get("/api/v1/schedules/" + id).body().path("recentFires")) {
                    if (recent.path("state").asText().equals("ran")) {
                        return recent;
                    }
                }
                return null;
            }, recent -> recent != null);
            assertEquals("slice 0 of 1 of 1 exported backup(s): 1 verified", fire.path("detail").asText(), fire.toString());
            JsonNode last = admin.get("/api/v1/backups/" + backup).body().path("offsite").path("lastScrub");
            assertEquals("0 of 1", last.path("slice").asText(), last.toString());
            assertEquals(last.path("chunksNeeded").asInt(), last.path("chunksRead").asInt(), "one slice of one is everything: " + last);
        } finally {
            assertEquals(204, admin.delete("/api/v1/schedules/" + id).status());
        }
    }

    @Test
    @Order(1)
    void aDamagedChunkFailsTheRestoreBeforeTheClusterIsTouchedNamingChunkAndBackup() throws Exception {
        Path chunk = someChunk();
        byte[] intact = Files.readAllBytes(chunk);
        byte[] damaged = intact.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        Files.write(chunk, damaged);
        String rowsBefore = table.rowsNow();
        List<Path> besideBefore = besideTheDataDirectory();
        try {
            JsonNode scrubbed = scrub(100);
            assertEquals("corrupt", scrubbed.path("state").asText(), scrubbed.toPrettyString());
            assertEquals(List.of(chunk.getFileName().toString()), names(scrubbed.path("lastScrub").path("badChunks")),
                    "the scrub names the damaged chunk, and only it: " + scrubbed);
            assertTrue(scrubbed.path("lastScrub").path("badChunks").path(chunk.getFileName().toString()).asText()
                    .contains("authentication tag"), scrubbed.toPrettyString());

            ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores", "{\"strategy\": \"from-object-store\", "
                    + "\"target\": {\"time\": \"" + table.batch(2).committedAt() + "\", \"timeline\": 1}, \"confirm\": \"main\"}");
            assertEquals(202, started.status(), started.text());
            String id = started.body().path("id").asText();
            JsonNode restore = Poll.until("restore " + id + " ends", RESTORE_TIMEOUT, () -> admin.get("/api/v1/restores/" + id).body(),
                    r -> !r.path("state").asText().equals("running"), cluster.primary::logTail);

            assertEquals("rolled-back", restore.path("state").asText(), restore.toPrettyString());
            String failure = restore.path("failure").asText();
            assertTrue(failure.contains(chunk.getFileName().toString()) && failure.contains("backup " + backup), restore.toPrettyString());
            assertTrue(cluster.primary.isRunning(), "the cluster was never stopped");
            assertEquals(rowsBefore, table.rowsNow());
            assertEquals(besideBefore, besideTheDataDirectory(), "what was rebuilt is removed");
        } finally {
            Files.write(chunk, intact);
        }
        assertEquals("verified", scrub(100).path("state").asText(), "mended, the copy is sound again");
    }

    @Test
    @Order(2)
    void withTheDataAndEverySnapshotGoneAPointInTimeRestoreComesBackFromTheCopy() throws Exception {
        try (Connection c = cluster.primary.connect(); Statement s = c.createStatement()) {
            String last = cluster.primary.queryValue("SELECT pg_walfile_name(pg_switch_wal())");
            Poll.until("WAL through " + last + " is archived", Duration.ofMinutes(2),
                    () -> cluster.primary.queryValue("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"),
                    archived -> archived.compareTo(last) >= 0);
        }
        cluster.primary.stopImmediately();
        deleteTree(cluster.primary.dataDirectory());
        deleteTree(scratch.resolve("snapshots"));
        String target = "{\"time\": \"" + table.batch(3).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}";

        ShelterClient.Answer rollback = admin.post("/api/v1/clusters/main/restores", "{\"strategy\": \"rollback\", \"target\": " + target
                + ", \"dryRun\": true}");
        assertEquals(422, rollback.status(), rollback.text());
        assertTrue(rollback.text().contains("\\\"strategy\\\": \\\"from-object-store\\\""), rollback.text());
        ShelterClient.Answer preview = admin.post("/api/v1/clusters/main/restores", "{\"target\": " + target + ", \"dryRun\": true}");
        assertEquals(200, preview.status(), preview.text());
        assertEquals("from-object-store", preview.body().path("strategy").asText(), preview.text());
        assertEquals(backup, preview.body().path("backupId").asText());
        assertTrue(preview.body().path("findings").get(0).asText().contains("restored from its off-site copy"), preview.text());
        assertTrue(preview.body().path("steps").findValuesAsText("name").contains("RebuildVolumes"), preview.text());

        ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores", "{\"target\": " + target + ", \"confirm\": \"main\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode restore = Poll.until("restore " + id + " ends", RESTORE_TIMEOUT, () -> admin.get("/api/v1/restores/" + id).body(),
                r -> !r.path("state").asText().equals("running"), cluster.primary::logTail);

        assertEquals("completed", restore.path("state").asText(), restore.toPrettyString() + "\n" + cluster.primary.logTail());
        assertEquals("from-object-store", restore.path("strategy").asText());
        assertEquals(BatchedTable.upTo(3), table.rowsNow(), "exactly the batches committed up to the target");
        restores.awaitFreshBackupAfter(id);
        System.out.printf("restore from the object store: %s; rto %s%n", table.rowsNow(), restore.path("rto"));
    }

    /** Another Shelter on the same store with another master key: it refuses, saying why, and changes nothing. */
    @Test
    @Order(3)
    void aShelterWithAnotherMasterKeyRefusesToRestoreSayingWhy() throws Exception {
        Path config = scratch.resolve("wrong-key.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN)) + clusters + offsiteSection(keyFile("other.key", 6)));
        try (InProcessShelter other = InProcessShelter.startOn(config, ADMIN)) {
            ShelterClient.Answer refused = other.client().post("/api/v1/clusters/main/restores", "{\"strategy\": \"from-object-store\", "
                    + "\"backupId\": \"" + backup + "\", \"dryRun\": true}");
            assertEquals(409, refused.status(), refused.text());
            assertTrue(refused.text().contains("the off-site repository cannot be opened"), refused.text());
            assertTrue(refused.text().contains("key"), refused.text());
        }
        assertEquals(BatchedTable.upTo(3), table.rowsNow(), "the cluster is as the restore left it");
    }

    /** Scrubs {@code sample} % of the backup's copy and returns its off-site view once the scrub has ended. */
    private JsonNode scrub(int sample) {
        // A fire of the scheduled scrub may still hold the cluster for a moment: its run ends by itself.
        ShelterClient.Answer started = Poll.until("a scrub of " + backup + " is accepted", Duration.ofSeconds(30),
                () -> admin.post("/api/v1/backups/" + backup + "/scrub", "{\"sample\": " + sample + "}"), a -> a.status() != 409);
        assertEquals(202, started.status(), started.text());
        assertEquals("scrubbing", started.body().path("offsite").path("state").asText(), started.text());
        return Poll.until("the scrub of " + backup + " ends", Duration.ofMinutes(2),
                () -> admin.get("/api/v1/backups/" + backup).body().path("offsite"), o -> !o.path("state").asText().equals("scrubbing"));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private String offsiteSection(Path keyFile) {
        return "offsite: {masterKeyFile: \"" + keyFile + "\", parallelFetches: 2}\n";
    }

    private Path keyFile(String name, long seed) throws Exception {
        byte[] key = new byte[32];
        new Random(seed).nextBytes(key);
        return Files.writeString(scratch.resolve(name), Base64.getEncoder().encodeToString(key) + "\n");
    }

    private Path someChunk() throws Exception {
        try (Stream<Path> chunks = Files.walk(scratch.resolve("store/offsite/chunks"))) {
            return chunks.filter(Files::isRegularFile).filter(path -> !path.getFileName().toString().startsWith("."))
                    .max(java.util.Comparator.comparingLong(path -> path.toFile().length())).orElseThrow();
        }
    }

    private List<Path> besideTheDataDirectory() throws Exception {
        try (Stream<Path> beside = Files.list(cluster.primary.dataDirectory().getParent())) {
            return beside.sorted().toList();
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        assertFalse(Files.exists(root));
    }
}
