package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's checks of the restored data (restore.checks): a restore counts as verified only
 * when each query answers true on the restored primary; one that answers false stops the restore for
 * a human, saying which check and what it answered.
 */
@RealPostgresBinaries
class RestoreChecksIT {

    private static final String ADMIN = "restore-checks-it-admin-token";
    private static final String CHECK = "SELECT count(*) >= 2 FROM ledger";

    private final PostgresBinaries binaries;

    RestoreChecksIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @Test
    void aRestoreIsVerifiedOnlyWhenEveryCheckAnswersTrue() throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("shelter-restore-checks-it");
             RestorableCluster cluster = RestorableCluster.create(binaries, scratch)) {
            PostgresInstance primary = cluster.primary;
            Path config = scratch.resolve("shelter.yml");
            Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN),
                    InProcessShelter.operator(RestorableCluster.OPERATOR)).replaceFirst("port: 0", "port: " + cluster.shelterPort)
                    + cluster.clustersSection("main", binaries, scratch.resolve("snapshots"), List.of(CHECK))
                    + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n");
            primary.start();
            cluster.archiveThroughShelter("main");
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ledger (id int PRIMARY KEY)");
                s.execute("INSERT INTO ledger VALUES (1)");
            }
            try (InProcessShelter shelter = InProcessShelter.startOn(config, ADMIN)) {
                ShelterClient admin = shelter.client();
                RestoresThroughApi restores = new RestoresThroughApi(admin, "main", Duration.ofMinutes(4), primary::logTail);
                String backup = restores.backUp("one row");
                primary.queryValue("INSERT INTO ledger VALUES (2) RETURNING id");
                String twoRows = primary.queryValue("SELECT pg_current_wal_lsn()::text");
                primary.queryValue("INSERT INTO ledger VALUES (3) RETURNING id");

                JsonNode passed = restores.restore("{\"lsn\": \"" + twoRows + "\", \"timeline\": 1}", backup, null);
                assertEquals("2", primary.queryValue("SELECT count(*) FROM ledger"), passed.toPrettyString());

                ShelterClient.Answer started = admin.post("/api/v1/clusters/main/restores", "{\"backupId\": \"" + backup
                        + "\", \"confirm\": \"main\"}");
                assertEquals(202, started.status(), started.text());
                String id = started.body().path("id").asText();
                JsonNode failed = Poll.until("restore " + id + " ends", Duration.ofMinutes(4), () -> admin.get("/api/v1/restores/" + id).body(),
                        r -> !r.path("state").asText().equals("running"), primary::logTail);
                assertEquals("failed", failed.path("state").asText(), failed.toPrettyString());
                assertTrue(failed.path("failure").asText().contains("fails the check '" + CHECK + "': it answered 'f', not true"),
                        failed.toPrettyString());
                assertEquals("1", primary.queryValue("SELECT count(*) FROM ledger"), "the restore went to the backup's end");
            }
        }
    }
}
