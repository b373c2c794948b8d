package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.WalFileName;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention sweeps through the API against real backups of a real PostgreSQL 15: a dry run lists
 * what would go and why and changes nothing; a sweep while a backup of the cluster runs deletes
 * nothing; a confirmed sweep deletes exactly what the policy lets go (snapshots and all), oldest
 * first, and keeps the rest whole; a protected backup stays, and cannot be deleted, until its
 * protection is taken off. The cluster's archive is fed by the test (as archive_command
 * would), so that one backup can be held waiting for its WAL.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionSweepIT {

    private static final String TOKEN = "retention-sweep-it-admin-token";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;
    private InProcessShelter shelter;
    private ShelterClient client;

    RetentionSweepIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startPostgresAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-retention-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        postgres.start();
        Path fed = scratch.resolve("fed-archive");
        Files.createDirectories(fed);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {walTimeoutSeconds: 300}
                    retention: {keepLast: 2, minimumKept: 1}
                  - name: full
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {maxSnapshotsPerVolume: 2}
                    retention: {keepLast: 5}
                  - name: unkept
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                objectStore: {kind: filesystem, directory: "%7$s"}
                """.formatted(postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(), postgres.password(),
                scratch.resolve("snapshots"), fed, scratch.resolve("store")));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            if (shelter != null) {
                shelter.close();
            }
        } finally {
            try {
                if (postgres != null) {
                    postgres.close();
                }
            } finally {
                scratch.close();
            }
        }
    }

    @Test
    void aSweepDeletesExactlyWhatThePolicyLetsGoAndNothingWhileABackupRuns() throws Exception {
        List<String> backups = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            String id = startAndHold("retention " + i);
            feedAndComplete(id);
            backups.add(id);
        }

        JsonNode dryRun = sweep("dryRun=true");
        assertTrue(dryRun.path("dryRun").asBoolean());
        assertEquals(List.of(backups.get(3), backups.get(2)), dryRun.path("kept").findValuesAsText("id"));
        assertEquals(List.of(backups.get(1), backups.get(0)), dryRun.path("toDelete").findValuesAsText("id"));
        assertTrue(dryRun.path("toDelete").get(0).path("reasons").get(0).asText().startsWith("not kept by the policy"), dryRun.toString());
        assertTrue(dryRun.path("kept").get(0).path("reasons").toString().contains("one of the 2 newest"), dryRun.toString());
        assertEquals(0, dryRun.path("wal").path("files").asInt(), dryRun.toString());
        assertTrue(dryRun.path("wal").path("note").asText().contains("keeps plain files"), "a plain archive is never pruned: " + dryRun);
        for (String id : backups) {
            assertEquals("completed", backup(id).path("state").asText(), "a dry run deletes nothing");
            assertTrue(Files.isDirectory(snapshotOf(id)), "a dry run leaves every snapshot");
        }

        String held = startAndHold("retention held");
        ShelterClient.Answer busy = client.post("/api/v1/clusters/main/retention:sweep?confirm=main", "");
        assertEquals(409, busy.status(), busy.text());
        assertTrue(busy.body().path("message").asText().contains("busy"), busy.text());
        for (String id : backups) {
            assertEquals("completed", backup(id).path("state").asText(), "a sweep during a running backup deletes nothing");
            assertTrue(Files.isDirectory(snapshotOf(id)));
        }
        assertEquals("running", backup(held).path("state").asText());
        ShelterClient.Answer tooEarly = client.put("/api/v1/backups/" + held + "/protection", "{\"reason\": \"keep\"}");
        assertEquals(409, tooEarly.status(), tooEarly.text());
        assertTrue(tooEarly.text().contains("once it has completed"), tooEarly.text());
        feedAndComplete(held);
        backups.add(held);

        String guarded = backups.get(0);
        ShelterClient.Answer protect = client.put("/api/v1/backups/" + guarded + "/protection", "{\"reason\": \"quarter-end close\"}");
        assertEquals(200, protect.status(), protect.text());
        assertTrue(protect.body().path("protected").asBoolean(), protect.text());
        assertEquals("quarter-end close", protect.body().path("protection").path("reason").asText(), protect.text());
        assertEquals(protect.body(), backup(guarded));
        assertEquals(400, client.put("/api/v1/backups/" + guarded + "/protection", "{}").status(), "a protection needs its reason");
        assertEquals(400, client.put("/api/v1/backups/" + guarded + "/protection", "{\"reason\": \"x\", \"until\": 3}").status());
        assertEquals(404, client.put("/api/v1/backups/20200101T000000Z-000000/protection", "{\"reason\": \"x\"}").status());
        ShelterClient.Answer refusedDelete = client.delete("/api/v1/backups/" + guarded);
        assertEquals(409, refusedDelete.status(), refusedDelete.text());
        assertTrue(refusedDelete.text().contains("is protected (quarter-end close"), refusedDelete.text());

        ShelterClient.Answer unconfirmed = client.post("/api/v1/clusters/main/retention:sweep", "");
        assertEquals(400, unconfirmed.status(), unconfirmed.text());
        assertTrue(unconfirmed.text().contains("confirm=main"), unconfirmed.text());

        ShelterClient.Answer swept = client.post("/api/v1/clusters/main/retention:sweep?confirm=main", "");
        assertEquals(200, swept.status(), swept.text());
        assertEquals(backups.subList(1, 3), toList(swept.body().path("deleted")),
                "oldest first, exactly the two the policy lets go: the protected third stays");
        for (String id : backups.subList(1, 3)) {
            JsonNode gone = backup(id);
            assertEquals("deleted", gone.path("state").asText(), gone.toString());
            assertEquals(0, gone.path("snapshots").size());
            assertFalse(Files.exists(snapshotOf(id)), "its snapshot is gone: " + id);
        }
        for (String id : backups.subList(3, 5)) {
            assertEquals("completed", backup(id).path("state").asText(), "the newest two stay: " + id);
            assertTrue(Files.isDirectory(snapshotOf(id)), "with their snapshots: " + id);
        }
        assertEquals("completed", backup(guarded).path("state").asText(), "the protected backup stays");
        assertTrue(Files.isDirectory(snapshotOf(guarded)), "with its snapshot");
        JsonNode again = sweep("dryRun=true");
        assertEquals(0, again.path("toDelete").size(), "a second sweep finds nothing more: " + again);
        assertEquals(List.of(backups.get(4), backups.get(3), guarded), again.path("kept").findValuesAsText("id"));
        assertEquals("protected", again.path("kept").get(2).path("reasons").get(0).asText(), again.toString());

        ShelterClient.Answer unprotect = client.delete("/api/v1/backups/" + guarded + "/protection");
        assertEquals(200, unprotect.status(), unprotect.text());
        assertFalse(unprotect.body().path("protected").asBoolean(), unprotect.text());
        assertEquals(200, client.delete("/api/v1/backups/" + guarded + "/protection").status(), "taking it off twice is no error");
        ShelterClient.Answer last = client.post("/api/v1/clusters/main/retention:sweep?confirm=main", "");
        assertEquals(List.of(guarded), toList(last.body().path("deleted")), last.text());
        assertFalse(Files.exists(snapshotOf(guarded)), "unprotected, it went with its snapshot");
        assertEquals(0, sweep("dryRun=true").path("warnings").size());

        // Cluster "full" shares the volume, which holds two snapshots now, and may have two.
        ShelterClient.Answer full = client.post("/api/v1/clusters/full/backups", "{}");
        assertEquals(409, full.status(), full.text());
        assertTrue(full.body().path("message").asText().contains("has 2 snapshots, the most it may have"), full.text());
        assertEquals(0, client.get("/api/v1/clusters/full/backups").body().path("total").asInt(), "refused before anything was made");
        ShelterClient.Answer warned = client.post("/api/v1/clusters/full/retention:sweep?dryRun=true", "");
        assertEquals(200, warned.status(), warned.text());
        assertTrue(warned.body().path("warnings").get(0).asText().endsWith("has 2 of the 2 snapshots it may have"), warned.text());
    }

    @Test
    void aClusterWithoutAPolicyIsNeverSweptAndSweepSchedulesAreConfirmedOnce() {
        ShelterClient.Answer none = client.post("/api/v1/clusters/unkept/retention:sweep?dryRun=true", "");
        assertEquals(409, none.status(), none.text());
        assertTrue(none.text().contains("no retention policy"), none.text());
        assertEquals(400, client.post("/api/v1/clusters/main/retention:sweep?dryRun=maybe", "").status());
        assertEquals(404, client.post("/api/v1/clusters/nowhere/retention:sweep?dryRun=true", "").status());

        String nightly = "{\"kind\": \"retention-sweep\", \"cron\": \"0 4 * * *\"";
        ShelterClient.Answer unconfirmed = client.post("/api/v1/clusters/main/schedules", nightly + "}");
        assertEquals(400, unconfirmed.status(), unconfirmed.text());
        assertTrue(unconfirmed.text().contains("to schedule it, send"), unconfirmed.text());
        ShelterClient.Answer noPolicy = client.post("/api/v1/clusters/unkept/schedules", nightly + ", \"confirm\": \"unkept\"}");
        assertEquals(400, noPolicy.status(), noPolicy.text());
        assertTrue(noPolicy.text().contains("no retention policy"), noPolicy.text());
        ShelterClient.Answer created = client.post("/api/v1/clusters/main/schedules", nightly + ", \"confirm\": \"main\"}");
        assertEquals(201, created.status(), created.text());
        assertEquals("retention-sweep", created.body().path("kind").asText());
        String id = created.body().path("id").asText();
        assertEquals(200, client.put("/api/v1/schedules/" + id, "{\"cron\": \"0 5 * * *\"}").status(), "a change needs no new confirmation");
        assertEquals(204, client.delete("/api/v1/schedules/" + id).status());
    }

    private static List<String> toList(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private JsonNode sweep(String query) {
        ShelterClient.Answer answer = client.post("/api/v1/clusters/main/retention:sweep?" + query, "");
        assertEquals(200, answer.status(), answer.text());
        return answer.body();
    }

    private JsonNode backup(String id) {
        return client.get("/api/v1/backups/" + id).body();
    }

    /** Starts a backup and waits until it waits for its WAL, which only the test sends. */
    private String startAndHold(String label) {
        ShelterClient.Answer started = client.post("/api/v1/clusters/main/backups", "{\"label\": \"" + label + "\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode waiting = client.awaitBackup(id, b -> "waiting_for_wal".equals(b.path("phase").asText())
                || !"running".equals(b.path("state").asText()), Duration.ofSeconds(60));
        assertEquals("waiting_for_wal", waiting.path("phase").asText(), waiting.toString());
        return id;
    }

    /** Sends the segment the backup waits for, as archive_command would, and waits for it to complete. */
    private void feedAndComplete(String id) throws Exception {
        JsonNode waiting = backup(id);
        String segment = WalFileName.lastNeededBefore(new Timeline(waiting.path("timeline").asLong()),
                Lsn.parse(waiting.path("stopLsn").asText()), 16L << 20).value();
        Path archived = postgres.archiveDirectory().resolve(segment);
        Poll.until("PostgreSQL archives " + segment, Duration.ofSeconds(90),
                () -> Files.isRegularFile(archived) && Files.size(archived) == 16L << 20);
        ShelterClient.Answer put = client.putBytes("/api/v1/clusters/main/wal/" + segment, Files.readAllBytes(archived));
        assertTrue(put.status() == 201 || put.status() == 200, put.text());
        assertEquals("completed", client.awaitEnd(id).path("state").asText());
    }

    private Path snapshotOf(String id) throws Exception {
        try (var volumes = Files.list(scratch.resolve("snapshots"))) {
            return volumes.findFirst().orElseThrow(() -> new AssertionError("no snapshot directory")).resolve("shelter-" + id);
        }
    }
}
