package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.PatroniBinaries;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealPatroni;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter killed with -9 at the steps a restore of a Patroni cluster adds (pause, forget the old
 * history, rebuild the replica, resume), then started again: the restarted Shelter resumes the
 * restore, which completes with exactly the rows up to the target, Patroni resumed, the replica
 * streaming the new timeline, and no member refused for its system identifier. While Shelter is
 * dead, Patroni stays paused. Each case prints its evidence.
 */
@RealPatroni
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatroniRestoreKilledAtEachStepIT {

    private static final String ADMIN = "patroni-restore-killed-it-admin-token";

    private final PatroniBinaries patroniBinaries;
    private final PostgresBinaries postgres;
    private ScratchDirectory scratch;
    private RestorablePatroniCluster cluster;
    private BatchedTable table;
    private Path config;
    private String target;
    /** The timeline the batches are written on, which each restore leaves behind. */
    private long batchTimeline;
    private int run;

    PatroniRestoreKilledAtEachStepIT(PatroniBinaries patroniBinaries, PostgresBinaries postgres) {
        this.patroniBinaries = patroniBinaries;
        this.postgres = postgres;
    }

    @BeforeAll
    void backUpAndWriteMore() throws Exception {
        scratch = ScratchDirectory.create("shelter-patroni-restore-each-step-it");
        cluster = RestorablePatroniCluster.start(patroniBinaries, postgres, scratch, "ha");
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, ShelterProcess.restorableHeader(cluster.shelterPort, ADMIN, RestorablePatroniCluster.OPERATOR)
                + cluster.clustersSection("ha", postgres, scratch.resolve("snapshots"))
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
        table = new BatchedTable(() -> cluster.patroni.connect(cluster.primary));
        table.create();
        try (ShelterProcess shelter = ShelterProcess.start(config, ADMIN, scratch.resolve("shelter-setup.log"))) {
            new RestoresThroughApi(shelter.client(ADMIN), "ha", Duration.ofMinutes(5), cluster.patroni::logTails)
                    .backUp("before the batches");
            batchTimeline = Long.parseLong(cluster.patroni.queryValue(cluster.primary.postgresPort(),
                    "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16);
            table.commitNext();
            table.commitNext();
            target = table.batch(2).lsnAfter();
            table.commitNext();
        }
    }

    @AfterAll
    void stopEverything() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @ParameterizedTest(name = "a Patroni restore killed at {0}:{1} completes after the restart")
    @CsvSource({
            "PauseHa, executed",
            "ResetHaHistory, started",
            "ResetHaHistory, executed",
            "RebuildReplicas, started",
            "RebuildReplicas, executed",
            "ResumeHa, executed",
    })
    void aRestoreKilledAtTheStepCompletesAfterTheRestart(String step, String moment) throws Exception {
        run++;
        String id;
        try (ShelterProcess shelter = FrozenShelter.start(config, ADMIN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(ADMIN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/ha/restores", "{\"target\": {\"lsn\": \"" + target
                    + "\", \"timeline\": " + batchTimeline + "}, \"confirm\": \"ha\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(180));
            FrozenShelter.kill(shelter);
        }
        boolean pausedWhileDead = cluster.ha().isPaused();

        try (ShelterProcess shelter = ShelterProcess.start(config, ADMIN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            ShelterClient client = shelter.client(ADMIN);
            JsonNode restore = Poll.until("restore " + id + " ends after the restart", Duration.ofMinutes(4),
                    () -> client.get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"),
                    () -> {
                        try {
                            return shelter.log() + "\n" + cluster.patroni.logTails();
                        } catch (IOException e) {
                            return "(no log: " + e.getMessage() + ")";
                        }
                    });
            System.out.printf("Patroni restore killed at %s:%s -> Patroni paused while Shelter was dead: %s; after the restart: state %s,"
                            + " %s, rows %s%n", step, moment, pausedWhileDead, restore.path("state").asText(),
                    restore.path("currentStep").asText(), table.rowsNow());
            assertEquals("completed", restore.path("state").asText(), restore.toPrettyString() + "\n" + shelter.log());
            assertTrue(pausedWhileDead || step.equals("ResumeHa"), "Patroni stays paused while the restore waits for Shelter");
            assertEquals(BatchedTable.upTo(2), table.rowsNow(), "exactly the rows committed up to " + target);
            cluster.assertHealthyOn(restore.path("promotedTimeline").asLong());
            new RestoresThroughApi(client, "ha", Duration.ofMinutes(5), cluster.patroni::logTails).awaitFreshBackupAfter(id);
        }
    }
}
