package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clone-and-swap restores through the API, in local mode, on real PostgreSQL 15: each target gives
 * back exactly the batches committed up to it, the data directory before the restore is kept aside,
 * byte for byte, until restore.keepOriginalsSeconds has passed and is removed after; a restore whose
 * check of the restored data fails is swapped back, and the cluster serves what it served before.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalCloneSwapRestoreIT {

    private static final String ADMIN = "clone-swap-it-admin-token";
    private static final int BATCHES = 8;
    private static final long KEEP_SECONDS = 45;
    /** Fails only for data that has the poisoned row, which is committed after the last batch. */
    private static final String CHECK = "SELECT count(*) = 0 FROM poison";
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
    /** Each kept original: its digest right after its restore, and until when it is kept. */
    private final Map<Path, Kept> kept = new LinkedHashMap<>();

    private record Kept(String digest, Instant until) {
    }

    LocalCloneSwapRestoreIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void writeBatchesAroundTwoBackups() throws Exception {
        scratch = ScratchDirectory.create("shelter-clone-swap-it");
        RestorableCluster cluster = RestorableCluster.create(binaries, scratch);
        primary = cluster.primary;
        Files.writeString(primary.dataDirectory().resolve("postgresql.conf"), "\ntrack_commit_timestamp = on\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(RestorableCluster.OPERATOR))
                .replaceFirst("port: 0", "port: " + cluster.shelterPort)
                + cluster.clustersSection("main", binaries, scratch.resolve("snapshots"), List.of(CHECK))
                        .replace("checks: [", "keepOriginalsSeconds: " + KEEP_SECONDS + ", checks: [")
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
        shelter = InProcessShelter.startOn(config, ADMIN);
        admin = shelter.client();
        restores = new RestoresThroughApi(admin, "main", RESTORE_TIMEOUT, primary::logTail).withStrategy("clone-swap");

        primary.start();
        cluster.archiveThroughShelter("main");
        table = new BatchedTable(primary::connect);
        table.create();
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE poison (id int)");
        }
        firstBackup = restores.backUp("first");
        for (int number = 1; number <= BATCHES; number++) {
            table.commitNext();
            if (number == 4) {
                secondBackup = restores.backUp("second");
            }
            if (number % 2 == 0) {
                table.createRestorePoint("after-batch-" + number);
            }
        }
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO poison VALUES (1)");
        }
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
    @Order(0)
    void theDryRunShowsTheSwapAndChangesNothing() throws Exception {
        List<Path> before = besideTheDataDirectory();
        ShelterClient.Answer unknown = admin.post("/api/v1/clusters/main/restores", "{\"strategy\": \"sideways\", \"confirm\": \"main\"}");
        assertEquals(400, unknown.status(), unknown.text());
        assertTrue(unknown.body().path("message").asText().contains("\"clone-swap\""), unknown.text());

        ShelterClient.Answer preview = admin.post("/api/v1/clusters/main/restores",
                "{\"strategy\": \"clone-swap\", \"target\": {\"latest\": true}, \"dryRun\": true}");
        assertEquals(200, preview.status(), preview.text());
        List<String> steps = preview.body().path("steps").findValuesAsText("name");
        assertEquals(List.of("ArchiveCurrentWal", "CheckTarget", "PauseHa", "CloneSnapshots", "StopCluster", "SwapInClones",
                "WriteRecoveryFiles", "OpenArchiveIncarnation", "StartMember", "AwaitRecoveryEnd", "VerifyRestore", "KeepOriginals",
                "ResetHaHistory", "StartReplicas", "RebuildReplicas", "ResumeHa"), steps, preview.text());
        assertTrue(preview.text().contains(primary.dataDirectory() + ".clone-r"), "the clone's place is shown: " + preview.text());
        assertEquals(before, besideTheDataDirectory(), "nothing was cloned");
        assertEquals(0, admin.get("/api/v1/clusters/main/restores").body().path("restores").size());
    }

    @Test
    @Order(1)
    void eachTargetGivesBackExactlyItsBatchesAndKeepsTheOriginal() throws Exception {
        restoreAndCompare("{\"time\": \"" + table.batch(3).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}", 3, firstBackup,
                null);
        restoreAndCompare("{\"time\": \"" + table.batch(6).committedAt() + "\", \"inclusive\": false, \"timeline\": 1}", 5, secondBackup,
                null);
        restoreAndCompare("{\"lsn\": \"" + table.batch(7).lsnAfter() + "\", \"timeline\": 1}", 7, secondBackup, null);
        restoreAndCompare("{\"xid\": " + table.batch(2).xid() + ", \"timeline\": 1}", 2, firstBackup, firstBackup);
        restoreAndCompare("{\"name\": \"after-batch-6\", \"timeline\": 1}", 6, secondBackup, null);
        restoreAndCompare("{\"xid\": " + table.batch(5).xid() + ", \"inclusive\": false, \"timeline\": 1}", 4, secondBackup, null);
    }

    private void restoreAndCompare(String target, int batches, String expectedBackup, String backupId) throws Exception {
        JsonNode restore = restores.restore(target, expectedBackup, backupId);
        assertEquals(BatchedTable.upTo(batches), table.rowsNow(), "rows after the clone-and-swap restore to " + target);
        JsonNode originals = restore.path("keptOriginals");
        assertEquals(1, originals.size(), restore.toPrettyString());
        Path original = Path.of(originals.get(0).asText());
        Instant until = Instant.parse(restore.path("originalsKeptUntil").asText());
        assertTrue(Files.isDirectory(original), original + " is kept until " + until);
        assertTrue(until.isAfter(Instant.now()), "kept for " + KEEP_SECONDS + " s: " + restore.toPrettyString());
        assertTrue(restore.path("rto").path("stepSeconds").has("SwapInClones"), restore.toPrettyString());
        kept.put(original, new Kept(TreeDigest.of(original), until));
        try (Stream<Path> beside = Files.list(primary.dataDirectory().getParent())) {
            assertFalse(beside.anyMatch(p -> p.getFileName().toString().contains(".clone-")), "no clone is left beside the data directory");
        }
        System.out.printf("clone-swap restore to %s: %s; rto %s%n", target, table.rowsNow(), restore.path("rto"));
    }

    @Test
    @Order(2)
    void aRestoreThatFailsItsCheckIsSwappedBackAndTheClusterServesWhatItDid() throws Exception {
        String rowsBefore = table.rowsNow();
        String timelineBefore = primary.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()");
        List<Path> besideBefore = besideTheDataDirectory();

        ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores",
                "{\"strategy\": \"clone-swap\", \"target\": {\"latest\": true, \"timeline\": 1}, \"confirm\": \"main\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode restore = Poll.until("restore " + id + " ends", RESTORE_TIMEOUT, () -> admin.get("/api/v1/restores/" + id).body(),
                r -> !r.path("state").asText().equals("running"), primary::logTail);

        assertEquals("rolled-back", restore.path("state").asText(), restore.toPrettyString());
        assertTrue(restore.path("failure").asText().contains("fails the check '" + CHECK + "'"), restore.toPrettyString());
        assertTrue(primary.isRunning(), "the cluster runs again");
        assertEquals(rowsBefore, table.rowsNow(), "the cluster serves the rows it had before the restore");
        assertEquals("0", primary.queryValue("SELECT count(*)::text FROM poison"));
        assertEquals(timelineBefore, primary.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()"));
        assertEquals(besideBefore, besideTheDataDirectory(), "neither the clone nor a set-aside original is left");
        String archive = Files.readString(scratch.resolve("store/wal/main/archive.json"));
        assertTrue(archive.contains("\"abandoned\""), "the WAL the restored server wrote is abandoned: " + archive);

        // The archive goes on: the cluster swapped back writes to a new incarnation, and a later restore works.
        restoreAndCompare("{\"time\": \"" + table.batch(8).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}", 8, secondBackup,
                null);
    }

    @Test
    @Order(3)
    void theOriginalsStayUnchangedUntilTheirTimeAndGoAfterIt() throws Exception {
        assertEquals(7, kept.size(), "one original per restore that passed");
        for (Map.Entry<Path, Kept> entry : kept.entrySet()) {
            if (Instant.now().plusSeconds(5).isBefore(entry.getValue().until())) {
                assertEquals(entry.getValue().digest(), TreeDigest.of(entry.getKey()), entry.getKey() + " is unchanged");
            }
        }
        Instant lastUntil = kept.values().stream().map(Kept::until).max(Instant::compareTo).orElseThrow();
        Duration bound = Duration.between(Instant.now(), lastUntil).plusSeconds(60);
        Poll.until("every kept original removed after its time", bound, () -> {
            for (Map.Entry<Path, Kept> entry : kept.entrySet()) {
                boolean present = Files.exists(entry.getKey());
                assertTrue(present || !Instant.now().isBefore(entry.getValue().until()),
                        entry.getKey() + " was removed before " + entry.getValue().until());
            }
            return kept.keySet().stream().noneMatch(Files::exists);
        }, gone -> gone);
        assertEquals(List.of(primary.dataDirectory()), besideTheDataDirectory().stream()
                .filter(p -> p.getFileName().toString().startsWith(primary.dataDirectory().getFileName().toString())).toList());
    }

    private List<Path> besideTheDataDirectory() throws Exception {
        try (Stream<Path> beside = Files.list(primary.dataDirectory().getParent())) {
            return beside.sorted().toList();
        }
    }
}
