package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PrivateS3Proxy;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The object store goes away (its s3proxy stopped) while a restored PostgreSQL fetches WAL through
 * Shelter: restore_command exits above 125 instead of "not found", so PostgreSQL stops its recovery
 * instead of promoting at the wrong point; the restore ends failed with the reason. With the store
 * back, the same restore runs to the end and gives back every row.
 */
@RealPostgresBinaries
class RestoreWhileObjectStoreFailsIT {

    private static final String ADMIN = "restore-outage-it-admin-token";
    private static final int SEGMENTS_AFTER_BACKUP = 16;

    private final PostgresBinaries binaries;

    RestoreWhileObjectStoreFailsIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @Test
    void anOutageDuringRecoveryStopsItWithoutPromotingAndTheRestoreFails() throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("shelter-restore-outage-it");
             PrivateS3Proxy proxy = PrivateS3Proxy.start(scratch.resolve("private-s3"), "outage");
             RestorableCluster cluster = RestorableCluster.create(binaries, scratch)) {
            PostgresInstance primary = cluster.primary;
            Path config = scratch.resolve("shelter.yml");
            Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN),
                    InProcessShelter.operator(RestorableCluster.OPERATOR)).replaceFirst("port: 0", "port: " + cluster.shelterPort)
                    + cluster.clustersSection("main", binaries, scratch.resolve("snapshots"))
                    + InProcessShelter.s3ObjectStore(proxy.server(), "outage", scratch.resolve("s3-secret")) + "\n");
            primary.start();
            cluster.archiveThroughShelter("main");
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ledger (id int PRIMARY KEY)");
            }
            try (InProcessShelter shelter = InProcessShelter.startOn(config, ADMIN)) {
                ShelterClient admin = shelter.client();
                ShelterClient.Answer backup = admin.post("/api/v1/clusters/main/backups", "{}");
                assertEquals(202, backup.status(), backup.text());
                assertEquals("completed", admin.awaitEnd(backup.body().path("id").asText()).path("state").asText());
                // Many segments to fetch: the outage begins while recovery still needs most of them.
                for (int segment = 0; segment < SEGMENTS_AFTER_BACKUP; segment++) {
                    primary.queryValue("INSERT INTO ledger VALUES (" + segment + ") RETURNING id");
                    primary.queryValue("SELECT pg_switch_wal()::text");
                }
                String rows = primary.queryValue("SELECT count(*) || ' rows, sum ' || sum(id) FROM ledger");
                Path serverLog = primary.dataDirectory().resolve("log/shelter-pg_ctl.log");

                ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores",
                        "{\"target\": {\"latest\": true}, \"confirm\": \"main\"}");
                assertEquals(202, started.status(), started.text());
                String id = started.body().path("id").asText();
                Poll.until("the restored server fetches its first WAL segments through Shelter", Duration.ofMinutes(2),
                        Duration.ofMillis(5), () -> Files.exists(serverLog) ? Files.readString(serverLog) : "",
                        log -> log.split("restored log file", -1).length > 2, () -> "");
                proxy.suspend();

                // restore_command now fails with Shelter's 5xx and exits 255: PostgreSQL ends its recovery and stops.
                String log = Poll.until("PostgreSQL stops its recovery", Duration.ofMinutes(2),
                        () -> primary.isRunning() ? "" : Files.readString(serverLog), l -> l.contains("FATAL"), () -> "");
                JsonNode during = admin.get("/api/v1/restores/" + id).body();
                System.out.printf("restore %s during the outage: state %s, %s; server log: %s%n", id, during.path("state").asText(),
                        during.path("currentStep").asText(), log.lines().filter(l -> l.contains("FATAL") || l.contains("exit code"))
                                .toList());
                assertFalse(log.contains("selected new timeline ID"), "nothing was promoted:\n" + log);
                assertFalse(log.contains("archive recovery complete"), "recovery did not end as if WAL had run out:\n" + log);
                assertEquals(1, ControlFile.read(primary.dataDirectory()).timeline().id(), "still on the backup's timeline");
                assertEquals("running", during.path("state").asText(),
                        "the restore shows, live, where it is; it records its failure once the store takes it: " + during);

                proxy.resume();
                JsonNode failed = Poll.until("restore " + id + " records how it ended", Duration.ofMinutes(2),
                        () -> admin.get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"),
                        primary::logTail);
                System.out.printf("restore %s after the outage: state %s, failure: %s%n", id, failed.path("state").asText(),
                        failed.path("failure").asText());
                assertEquals("failed", failed.path("state").asText(), failed.toPrettyString());
                assertTrue(failed.path("failure").asText().matches("(?s).*(StartMember|AwaitRecoveryEnd) failed.*"),
                        failed.toPrettyString());
                assertTrue(failed.path("failure").asText().contains("PostgreSQL said: ")
                        && failed.path("failure").asText().contains("exit code 255"), "in PostgreSQL's words: " + failed.toPrettyString());
                assertFalse(primary.isRunning(), "a failed restore leaves the cluster stopped, for a human to look at");
                ShelterClient.Answer again = admin.post("/api/v1/clusters/main/restores",
                        "{\"target\": {\"latest\": true}, \"confirm\": \"main\"}");
                assertEquals(202, again.status(), again.text());
                JsonNode completed = Poll.until("the restore after the outage ends", Duration.ofMinutes(3),
                        () -> admin.get("/api/v1/restores/" + again.body().path("id").asText()).body(),
                        r -> !r.path("state").asText().equals("running"), primary::logTail);
                assertEquals("completed", completed.path("state").asText(), completed.toPrettyString());
                assertEquals(rows, primary.queryValue("SELECT count(*) || ' rows, sum ' || sum(id) FROM ledger"),
                        "every row is back once the store is");
            }
        }
    }
}
