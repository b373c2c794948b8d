package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point-in-time restores through the API, in local mode, on real PostgreSQL 15 archiving through
 * Shelter into s3proxy. A table receives batches of rows, one transaction each, with backups taken
 * along the way; each batch's commit time (track_commit_timestamp), transaction id and the WAL
 * position after its commit are kept. Every restore is then compared by its rows: exactly the
 * batches committed at (inclusive) or before (exclusive) the target are there, no more, no fewer.
 */
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalPointInTimeRestoreIT {

    private static final String ADMIN = "pitr-it-admin-token-0123";
    private static final int BATCHES = 12;
    private static final int TARGETS = 20;
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(4);

    private final PostgresBinaries binaries;
    private final S3Server s3;
    private ScratchDirectory scratch;
    private String bucket;
    private PostgresInstance primary;
    private InProcessShelter shelter;
    private ShelterClient admin;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String firstBackup;
    private String secondBackup;
    private final List<Long> promotedTimelines = new ArrayList<>();

    LocalPointInTimeRestoreIT(PostgresBinaries binaries, S3Server s3) {
        this.binaries = binaries;
        this.s3 = s3;
    }

    @BeforeAll
    void writeBatchesAroundTwoBackups() throws Exception {
        scratch = ScratchDirectory.create("shelter-pitr-it");
        bucket = s3.createBucket("pitr");
        RestorableCluster cluster = RestorableCluster.create(binaries, scratch);
        primary = cluster.primary;
        Files.writeString(primary.dataDirectory().resolve("postgresql.conf"), "\ntrack_commit_timestamp = on\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(RestorableCluster.OPERATOR))
                .replaceFirst("port: 0", "port: " + cluster.shelterPort) + cluster.clustersSection("main", binaries,
                scratch.resolve("snapshots")) + InProcessShelter.s3ObjectStore(s3, bucket, scratch.resolve("s3-secret")) + "\n");
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
            if (number == 4) {
                secondBackup = restores.backUp("second");
            }
            if (number % 2 == 0) {
                table.createRestorePoint("after-batch-" + number);
            }
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
            if (bucket != null) {
                s3.deleteBucket(bucket);
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    @Order(0)
    void aRestoreThatCannotBeDoneIsRefusedAndChangesNothing() throws Exception {
        String rowsBefore = table.rowsNow();
        Set<Path> snapshotsBefore = snapshots();
        assertRefused(400, "offset", "{\"target\": {\"time\": \"2026-11-29T10:00:00\"}, \"confirm\": \"main\"}");
        assertRefused(400, "exactly one of", "{\"target\": {\"lsn\": \"0/1\", \"xid\": 5}, \"confirm\": \"main\"}");
        assertRefused(400, "\"confirm\": \"main\"", "{\"target\": {\"latest\": true}}");
        assertRefused(400, "\"confirm\": \"main\"", "{\"target\": {\"latest\": true}, \"confirm\": \"other\"}");
        assertRefused(400, "inclusive applies", "{\"target\": {\"latest\": true, \"inclusive\": false}, \"confirm\": \"main\"}");
        assertRefused(404, "20200101T000000Z-abcdef", "{\"backupId\": \"20200101T000000Z-abcdef\", \"confirm\": \"main\"}");
        assertRefused(422, "no completed backup can reach", "{\"target\": {\"time\": \"2000-01-01T00:00:00+02:00\"}, "
                + "\"confirm\": \"main\"}");
        assertRefused(422, "beyond the end of the archived WAL", "{\"target\": {\"lsn\": \"FF/0\"}, \"confirm\": \"main\"}");
        assertRefused(422, "has no history file", "{\"target\": {\"latest\": true, \"timeline\": 42}, \"confirm\": \"main\"}");
        assertRefused(422, "ends at", "{\"backupId\": \"" + secondBackup + "\", \"target\": {\"lsn\": \""
                + table.batch(2).lsnAfter() + "\"}, \"confirm\": \"main\"}");

        assertEquals(rowsBefore, table.rowsNow(), "the cluster runs, with its rows");
        assertEquals(snapshotsBefore, snapshots(), "no snapshot was touched");
        assertEquals(0, admin.get("/api/v1/clusters/main/restores").body().path("restores").size(), "no restore was begun");
    }

    private void assertRefused(int status, String because, String body) {
        ShelterClient.Answer answer = admin.post("/api/v1/clusters/main/restores", body);
        assertEquals(status, answer.status(), body + " -> " + answer.text());
        assertEquals(status, answer.body().path("code").asInt(), answer.text());
        assertTrue(answer.body().path("message").asText().contains(because), body + " -> " + answer.text());
    }

    private Set<Path> snapshots() throws Exception {
        try (Stream<Path> files = Files.list(scratch.resolve("snapshots"))) {
            return files.collect(Collectors.toSet());
        }
    }

    @Test
    @Order(1)
    void eachTargetGivesBackExactlyTheBatchesCommittedUpToIt() throws Exception {
        Map<String, String> archivedBefore = archivedObjects();
        long seed = Long.getLong("shelter.pitr.seed", System.nanoTime());
        System.out.println("LocalPointInTimeRestoreIT: " + TARGETS + " random targets, seed " + seed
                + " (-Dshelter.pitr.seed=" + seed + " repeats them)");
        java.util.Random random = new java.util.Random(seed);
        List<String> kinds = List.of("time", "lsn", "xid", "name");
        for (int i = 0; i < TARGETS; i++) {
            // Every kind and inclusiveness in the first rounds; then at random.
            String kind = i < 8 ? kinds.get(i % 4) : kinds.get(random.nextInt(kinds.size()));
            boolean inclusive = i < 8 ? i < 4 : random.nextBoolean();
            int k = 1 + random.nextInt(BATCHES);
            if (kind.equals("name") && k % 2 == 1) {
                k++; // restore points follow the even batches
            }
            BatchedTable.Batch batch = table.batch(k);
            // The second backup ends after batch 4: a target after batch 4 is reached from it, earlier ones from the first.
            String backup = k > 4 ? secondBackup : firstBackup;
            switch (kind) {
                case "time" -> restoreAndCompare("{\"time\": \"" + batch.committedAt() + "\", \"inclusive\": " + inclusive
                        + ", \"timeline\": 1}", inclusive ? k : k - 1, backup);
                // Between two commits: the next record after it is the next batch's, so both ways give batches 1..k.
                case "lsn" -> restoreAndCompare("{\"lsn\": \"" + batch.lsnAfter() + "\", \"inclusive\": " + inclusive
                        + ", \"timeline\": 1}", k, backup);
                // Where a transaction or a restore point lies is known only to replay: the newest backup is taken
                // unless one is named, so the earlier ones name the first backup.
                case "xid" -> restoreAndCompare("{\"xid\": " + batch.xid() + ", \"inclusive\": " + inclusive + ", \"timeline\": 1}",
                        inclusive ? k : k - 1, backup, backup.equals(firstBackup) ? firstBackup : null);
                default -> restoreAndCompare("{\"name\": \"after-batch-" + k + "\", \"timeline\": 1}", k, backup,
                        backup.equals(firstBackup) ? firstBackup : null);
            }
        }
        restoreAndCompare("{\"latest\": true, \"timeline\": 1}", BATCHES, secondBackup);

        Map<String, String> archivedAfter = archivedObjects();
        archivedBefore.forEach((key, etag) -> assertEquals(etag, archivedAfter.get(key), key + " was never overwritten"));
        for (int i = 1; i < promotedTimelines.size(); i++) {
            assertTrue(promotedTimelines.get(i) > promotedTimelines.get(i - 1), "each restore a new, higher timeline: " + promotedTimelines);
        }
        for (long timeline : promotedTimelines) {
            Set<String> incarnations = archivedAfter.keySet().stream().filter(k -> k.matches(".*/\\d{4}/%08X/.*".formatted(timeline)))
                    .map(k -> k.split("/")[3]).collect(Collectors.toSet());
            assertEquals(1, incarnations.size(), "timeline " + timeline + "'s WAL is in one incarnation: " + incarnations);
            assertTrue(Integer.parseInt(incarnations.iterator().next()) > 1, "timeline " + timeline + " is in a new incarnation");
        }
    }

    @Test
    @Order(2)
    void walWrittenAfterARestoreIsArchivedAndRestorable() throws Exception {
        table.commitNext();
        ShelterClient.Answer preview = admin.post("/api/v1/clusters/main/restores", "{\"target\": {\"latest\": true}, \"dryRun\": true}");
        assertEquals(200, preview.status(), preview.text());
        assertEquals(promotedTimelines.get(promotedTimelines.size() - 1), preview.body().path("timeline").asLong(),
                "the newest timeline is followed by default");
        restoreAndCompare("{\"latest\": true}", BATCHES + 1, preview.body().path("backupId").asText());
    }

    /**
     * max_connections raised after the backup: the WAL to replay records it, the backup's
     * configuration does not. The restore raises it for recovery instead of letting PostgreSQL pause.
     */
    @Test
    @Order(3)
    void aSettingRaisedAfterTheBackupIsRaisedForRecoveryToo() throws Exception {
        String backup = restores.backUp("before max_connections went up");
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET max_connections = 150");
        }
        primary.stop();
        primary.start();
        assertEquals("150", primary.queryValue("SHOW max_connections"));
        table.commitNext();

        restoreAndCompare("{\"latest\": true}", table.size(), backup);
        assertEquals("150", primary.queryValue("SHOW max_connections"), "the restored server runs with what its WAL requires");
    }

    /** Restores to {@code target}; the cluster must then hold batches 1..{@code expected} exactly, from {@code backup}. */
    private void restoreAndCompare(String target, int expected, String backup) throws Exception {
        restoreAndCompare(target, expected, backup, null);
    }

    private void restoreAndCompare(String target, int expected, String backup, String backupId) throws Exception {
        JsonNode restore = restores.restore(target, backup, backupId);
        promotedTimelines.add(restore.path("promotedTimeline").asLong());
        assertEquals(BatchedTable.upTo(expected), table.rowsNow(), "rows after restoring to " + target + " (stopped: "
                + restore.path("recoveryStopped").asText() + ")");
    }

    /** Every archived WAL file in the bucket with its ETag (the MD5 of what was stored); not the archive's own state document. */
    private Map<String, String> archivedObjects() {
        try (S3Client client = s3.newClient()) {
            Map<String, String> objects = new TreeMap<>();
            client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("wal/main/")).contents()
                    .stream().filter(o -> o.key().endsWith(".zst")).forEach(o -> objects.put(o.key(), o.eTag()));
            return objects;
        }
    }
}
