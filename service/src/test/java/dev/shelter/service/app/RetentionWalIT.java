package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention of WAL on real PostgreSQL 15 archiving through Shelter (Shelter's layout, in a
 * filesystem store), under keep-last 2. A sweep deletes the oldest backup and then every WAL file
 * before the oldest remaining backup's start, and nothing after; the dry run said so first. A sweep
 * while a restore runs from a backup the policy would delete deletes nothing. Point-in-time
 * restores into the windows of the kept backups give back exactly the rows committed up to their
 * targets.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionWalIT {

    private static final String ADMIN = "retention-wal-it-admin-token";
    private static final long SEGMENT_BYTES = 16L << 20;
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(4);

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private InProcessShelter shelter;
    private ShelterClient admin;
    private RestoresThroughApi restores;
    private BatchedTable table;

    RetentionWalIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void start() throws Exception {
        scratch = ScratchDirectory.create("shelter-retention-wal-it");
        RestorableCluster cluster = RestorableCluster.create(binaries, scratch);
        primary = cluster.primary;
        Files.writeString(primary.dataDirectory().resolve("postgresql.conf"), "\ntrack_commit_timestamp = on\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND); // the batches keep their commit times
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(RestorableCluster.OPERATOR))
                .replaceFirst("port: 0", "port: " + cluster.shelterPort) + cluster.clustersSection("main", binaries,
                scratch.resolve("snapshots")) + "    retention: {keepLast: 2}\n"
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
        shelter = InProcessShelter.startOn(config, ADMIN);
        admin = shelter.client();
        restores = new RestoresThroughApi(admin, "main", RESTORE_TIMEOUT, primary::logTail);
        primary.start();
        cluster.archiveThroughShelter("main");
        table = new BatchedTable(primary::connect);
        table.create();
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
    void aSweepRemovesTheWalNoKeptBackupNeedsAndRestoresIntoTheKeptWindowsAreExact() throws Exception {
        String first = restores.backUp("first");
        commitAndSwitch(); // batch 1
        String second = restores.backUp("second");
        commitAndSwitch(); // 2
        commitAndSwitch(); // 3
        String third = restores.backUp("third");
        commitAndSwitch(); // 4
        commitAndSwitch(); // 5
        awaitArchived(table.batch(5).lsnAfter());
        Lsn secondStart = Lsn.parse(admin.get("/api/v1/backups/" + second).body().path("startLsn").asText());
        long keptSegment = secondStart.value() / SEGMENT_BYTES;
        Set<String> before = walFiles();
        assertTrue(before.stream().anyMatch(f -> segmentOf(f) < keptSegment), "WAL before the second backup was archived: " + before);

        JsonNode preview = sweep("dryRun=true", 200);
        assertEquals(List.of(first), ids(preview.path("toDelete")), preview.toPrettyString());
        JsonNode wouldGo = preview.path("wal");
        assertEquals(secondStart.toString(), wouldGo.path("keptFrom").asText(), "judged as if the first backup were gone: " + wouldGo);
        assertEquals(before.stream().filter(f -> segmentOf(f) < keptSegment).count(), wouldGo.path("files").asLong(), wouldGo.toString());
        assertEquals(before, walFiles(), "a dry run removes nothing");

        JsonNode swept = sweep("confirm=main", 200);
        assertEquals(List.of(first), texts(swept.path("deleted")), swept.toPrettyString());
        assertEquals(wouldGo.path("files").asLong(), swept.path("wal").path("files").asLong(), swept.toPrettyString());
        Set<String> after = walFiles();
        assertEquals(before.stream().filter(f -> segmentOf(f) >= keptSegment || segmentOf(f) < 0).collect(Collectors.toCollection(TreeSet::new)),
                after, "exactly the files before the second backup's start segment went; its segment, the rest and the histories stay");

        String fourth = restores.backUp("fourth"); // keep-last 2 would now let the second and third go
        ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores", "{\"backupId\": \"" + second + "\", \"target\": "
                + "{\"lsn\": \"" + table.batch(2).lsnAfter() + "\", \"timeline\": 1}, \"confirm\": \"main\"}");
        assertEquals(202, started.status(), started.text());
        String restoreId = started.body().path("id").asText();
        Set<String> duringRestore = walFiles();
        ShelterClient.Answer busy = admin.post("/api/v1/clusters/main/retention:sweep?confirm=main", "");
        assertEquals(409, busy.status(), "a sweep while a restore runs stops before it deletes: " + busy.text());
        JsonNode restored = Poll.until("restore " + restoreId + " ends", RESTORE_TIMEOUT, () -> admin.get("/api/v1/restores/" + restoreId).body(),
                r -> !r.path("state").asText().equals("running"), primary::logTail);
        assertEquals("completed", restored.path("state").asText(), restored.toPrettyString());
        assertEquals(BatchedTable.upTo(2), table.rowsNow(), "restored into the second backup's window, exactly");
        restores.awaitFreshBackupAfter(restoreId);
        for (String kept : List.of(second, third, fourth)) {
            assertEquals("completed", admin.get("/api/v1/backups/" + kept).body().path("state").asText(), kept + " is still there");
        }
        assertTrue(walFiles().containsAll(duringRestore), "no WAL file went while the restore ran");

        JsonNode fromThird = restores.restore("{\"lsn\": \"" + table.batch(4).lsnAfter() + "\", \"timeline\": 1}", third, null);
        assertEquals(third, fromThird.path("backupId").asText());
        assertEquals(BatchedTable.upTo(4), table.rowsNow(), "restored into the third backup's window, exactly");
    }

    private void commitAndSwitch() throws Exception {
        table.commitNext();
        primary.queryValue("SELECT pg_switch_wal()::text");
    }

    private void awaitArchived(String lsn) {
        Poll.until("WAL through " + lsn + " archived", Duration.ofSeconds(60), () -> primary.queryValue(
                "SELECT last_archived_wal >= pg_walfile_name('" + lsn + "'::pg_lsn) FROM pg_stat_archiver"), "t"::equals);
    }

    private JsonNode sweep(String query, int status) {
        ShelterClient.Answer answer = admin.post("/api/v1/clusters/main/retention:sweep?" + query, "");
        assertEquals(status, answer.status(), answer.text());
        return answer.body();
    }

    /** Every WAL file in the store, as incarnation/timeline/file; the archive's own state document left out. */
    private Set<String> walFiles() throws Exception {
        Path wal = scratch.resolve("store").resolve("wal").resolve("main");
        try (Stream<Path> files = Files.walk(wal)) {
            return files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".zst"))
                    .map(f -> wal.relativize(f).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The segment number a file's name starts with; -1 for a timeline history file. */
    private static long segmentOf(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        if (!name.matches("[0-9A-F]{24}\\..*")) {
            return -1;
        }
        return Long.parseLong(name.substring(8, 16), 16) * (0x100000000L / SEGMENT_BYTES) + Long.parseLong(name.substring(16, 24), 16);
    }

    private static List<String> ids(JsonNode verdicts) {
        List<String> ids = new ArrayList<>();
        verdicts.forEach(v -> ids.add(v.path("id").asText()));
        return ids;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(v -> texts.add(v.asText()));
        return texts;
    }
}
