package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backups.allowStandby} on a real PostgreSQL 15 primary and its streaming standby. Two
 * clusters name the standby: by default a backup of it is refused with 409 before anything
 * happens; with {@code allowStandby: true} it runs, and completes once the primary has archived
 * the WAL through the standby's stop point. A standby cannot switch WAL, so until the primary's
 * WAL moves on the backup must keep waiting, not fail.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandbyBackupIT {

    private static final String TOKEN = "standby-backup-it-operator-token";
    /** Long enough to see that nothing (no WAL switch, no timeout) ends the standby's wait early. */
    private static final Duration KEEPS_WAITING_FOR = Duration.ofSeconds(8);

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private PostgresInstance standby;
    private InProcessShelter shelter;
    private ShelterClient client;

    StandbyBackupIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startPrimaryStandbyAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-standby-backup-it");
        primary = PostgresInstance.create(binaries, scratch.resolve("primary"));
        primary.start();
        Ledger.create(primary);
        Ledger.insert(primary, "before", 1000);
        standby = PostgresInstance.createStandby(primary, scratch.resolve("standby"));
        standby.start();
        primary.awaitTrue("SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'standby' AND state = 'streaming'",
                Duration.ofSeconds(60));
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.operator(TOKEN)) + """
                clusters:
                  - name: standby-refused
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                  - name: standby-allowed
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {allowStandby: true, walTimeoutSeconds: 120}
                objectStore: {kind: filesystem, directory: "%7$s"}
                """.formatted(standby.dataDirectory(), binaries.directory(), standby.jdbcUrl(), standby.password(),
                scratch.resolve("snapshots"), primary.archiveDirectory(), scratch.resolve("store")));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (shelter != null) {
            shelter.close();
        }
        if (standby != null) {
            standby.close();
        }
        if (primary != null) {
            primary.close();
        }
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void byDefaultABackupOfAStandbyIsRefusedWith409BeforeAnythingHappens() throws Exception {
        ShelterClient.Answer refused = client.post("/api/v1/clusters/standby-refused/backups", "{\"label\":\"it standby refused\"}");

        assertEquals(409, refused.status(), refused.text());
        assertEquals(409, refused.body().path("code").asInt(), refused.text());
        String message = refused.body().path("message").asText();
        assertTrue(message.contains("standby") && message.contains("allowStandby"), message);
        assertEquals(0, client.get("/api/v1/clusters/standby-refused/backups").body().path("total").asInt(), "no backup was recorded");
        assertEquals("0", standby.queryValue("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'shelter-backup-%'"),
                "no backup session was opened");
    }

    @Test
    void withAllowStandbyTheBackupOfAStandbyRunsAndCompletesOnceThePrimaryArchivedItsWal() throws Exception {
        // A checkpoint for the standby's restartpoint, then rows after it: the standby's stop point is
        // inside a segment the primary has not finished, so not archived.
        try (java.sql.Connection c = primary.connect(); java.sql.Statement checkpoint = c.createStatement()) {
            checkpoint.execute("CHECKPOINT");
        }
        Ledger.insert(primary, "replayed", 1000);
        String sent = primary.queryValue("SELECT pg_current_wal_lsn()::text");
        standby.awaitTrue("SELECT pg_last_wal_replay_lsn() >= '" + sent + "'::pg_lsn", Duration.ofSeconds(60));
        ShelterClient.Answer started = client.post("/api/v1/clusters/standby-allowed/backups", "{\"label\":\"it standby allowed\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode waiting = client.awaitBackup(id, b -> "waiting_for_wal".equals(b.path("phase").asText())
                || !"running".equals(b.path("state").asText()), Duration.ofSeconds(60));
        assertEquals("waiting_for_wal", waiting.path("phase").asText(), waiting.toString());
        String stopSegment = dev.shelter.runbooks.wal.WalFileName.lastNeededBefore(new dev.shelter.runbooks.backup.Timeline(1),
                dev.shelter.runbooks.backup.Lsn.parse(waiting.path("stopLsn").asText()), 16L << 20).value();
        assertTrue(Files.notExists(primary.archiveDirectory().resolve(stopSegment)), "the stop segment is not archived yet: " + waiting);

        // The primary is idle: nothing archives the standby's stop segment until its WAL moves on.
        Instant deadline = Instant.now().plus(KEEPS_WAITING_FOR);
        while (Instant.now().isBefore(deadline)) {
            JsonNode now = client.get("/api/v1/backups/" + id).body();
            assertEquals("running", now.path("state").asText(), "a standby backup keeps waiting for its WAL: " + now);
            ShelterClient.pause(200);
        }
        primary.queryValue("SELECT pg_switch_wal()::text"); // in production: traffic, or archive_timeout on the primary

        JsonNode completed = client.awaitEnd(id);
        assertEquals("completed", completed.path("state").asText(), completed.toString());
        assertTrue(completed.path("labelFile").asText().contains("\nBACKUP FROM: standby\n"), completed.path("labelFile").asText());
        assertEquals(standby.queryValue("SELECT system_identifier::text FROM pg_control_system()"),
                completed.path("systemIdentifier").asText());
        assertEquals(1, completed.path("snapshots").size(), completed.toString());
    }
}
