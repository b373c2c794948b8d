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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter killed with -9 at each step of the rollback restore, in local mode: started with a
 * failpoint that freezes the restore at the step, killed there, and started again. The restarted
 * Shelter resumes the restore, which completes with exactly the rows committed up to the target.
 * At the kill, a cluster with no member running always has a journal saying the restore is running.
 * Each case prints its evidence.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreKilledAtEachStepIT {

    private static final String ADMIN = "restore-killed-it-admin-token";
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z_]+)\"");

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;
    private String target;
    private String expectedRows;
    private int run;

    RestoreKilledAtEachStepIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void backUpAndWriteMore() throws Exception {
        scratch = ScratchDirectory.create("shelter-restore-each-step-it");
        RestorableCluster cluster = RestorableCluster.create(binaries, scratch);
        primary = cluster.primary;
        // A fixed port: the restore_command written into the restored cluster must reach the restarted Shelter too.
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, ShelterProcess.restorableHeader(cluster.shelterPort, ADMIN, RestorableCluster.OPERATOR)
                + cluster.clustersSection("primary", binaries, scratch.resolve("snapshots"))
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
        primary.start();
        cluster.archiveThroughShelter("primary");
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger (id int PRIMARY KEY, batch int NOT NULL)");
        }
        try (ShelterProcess shelter = ShelterProcess.start(config, ADMIN, scratch.resolve("shelter-setup.log"))) {
            ShelterClient client = shelter.client(ADMIN);
            insertBatch(1);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/backups", "{\"label\":\"before the batches\"}");
            assertEquals(202, started.status(), started.text());
            assertEquals("completed", client.awaitEnd(started.body().path("id").asText()).path("state").asText());
            insertBatch(2);
            target = primary.queryValue("SELECT pg_current_wal_lsn()::text");
            expectedRows = batches();
            insertBatch(3);
        }
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

    @ParameterizedTest(name = "a restore killed at {0}:{1} completes after the restart")
    @CsvSource({
            "ArchiveCurrentWal, executed",
            "CheckTarget, executed",
            "PauseHa, before",
            "StopCluster, started",
            "StopCluster, executed",
            "RollbackVolumes, started",
            "RollbackVolumes, executed",
            "WriteRecoveryFiles, executed",
            "OpenArchiveIncarnation, executed",
            "StartMember, executed",
            "AwaitRecoveryEnd, inside",
            "AwaitRecoveryEnd, executed",
            "VerifyRestore, executed",
            "ResetHaHistory, before",
            "StartReplicas, before",
            "RebuildReplicas, before",
            "ResumeHa, before",
    })
    void aRestoreKilledAtTheStepCompletesAfterTheRestart(String step, String moment) throws Exception {
        run++;
        String id;
        try (ShelterProcess shelter = FrozenShelter.start(config, ADMIN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(ADMIN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/restores",
                    "{\"target\": {\"lsn\": \"" + target + "\", \"timeline\": 1}, \"confirm\": \"primary\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(120));
            FrozenShelter.kill(shelter);
        }
        boolean running = primary.isRunning();
        String journalState = journalState(id);
        String atKill = "PostgreSQL " + (running ? "running" : "stopped") + ", journal " + journalState;
        assertTrue(running || journalState.equals("RUNNING"), "a stopped cluster has a running journal saying so: " + atKill);

        try (ShelterProcess shelter = ShelterProcess.start(config, ADMIN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            ShelterClient client = shelter.client(ADMIN);
            JsonNode restore = Poll.until("restore " + id + " ends after the restart", Duration.ofMinutes(3),
                    () -> client.get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"),
                    () -> {
                        try {
                            return shelter.log() + "\n" + primary.logTail();
                        } catch (java.io.IOException e) {
                            return "(no log: " + e.getMessage() + ")";
                        }
                    });
            String rows = primary.isRunning() ? batches() : "(not running)";
            System.out.printf("restore killed at %s:%s -> at the kill: %s; after the restart: state %s, %s, stopped %s, rows %s%n", step,
                    moment, atKill, restore.path("state").asText(), restore.path("currentStep").asText(),
                    restore.path("recoveryStopped").asText(), rows);
            assertEquals("completed", restore.path("state").asText(), restore.toPrettyString() + "\n" + primary.logTail() + "\n"
                    + shelter.log());
            assertEquals(expectedRows, rows, "exactly the rows committed up to " + target);
            awaitFreshBackup(client, id);
        }
    }

    /** The fresh backup a completed restore is followed by holds the cluster until it ends; it must complete. */
    private static void awaitFreshBackup(ShelterClient client, String restoreId) {
        String label = "after restore " + restoreId;
        JsonNode fresh = Poll.until("the fresh backup after restore " + restoreId + " ends", Duration.ofMinutes(2),
                () -> {
                    for (JsonNode backup : client.get("/api/v1/clusters/primary/backups?limit=500").body().path("backups")) {
                        if (backup.path("label").asText().equals(label) && !backup.path("state").asText().equals("running")) {
                            return backup;
                        }
                    }
                    return null;
                }, backup -> backup != null);
        assertEquals("completed", fresh.path("state").asText(), fresh.toPrettyString());
    }

    private String journalState(String id) throws Exception {
        Path journal = scratch.resolve("store/journals/primary/" + id + ".json");
        if (!Files.exists(journal)) {
            return "(none)";
        }
        Matcher state = STATE.matcher(Files.readString(journal));
        return state.find() ? state.group(1) : "(unreadable)";
    }

    private void insertBatch(int batch) throws Exception {
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ledger SELECT g, " + batch + " FROM generate_series(" + (batch * 1000) + ", " + (batch * 1000 + 499) + ") g");
        }
    }

    private String batches() throws Exception {
        return primary.queryValue("SELECT string_agg(batch || ':' || n, ',' ORDER BY batch) FROM "
                + "(SELECT batch, count(*) AS n FROM ledger GROUP BY batch) b");
    }
}
