package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealPostgres;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Shelter processes against one catalog database, a backup schedule every 10 s for 2 minutes,
 * one replica killed with -9 midway. Counted from the catalog's fire ledger: every fire time has
 * exactly one row, the fires before the kill and after the takeover ran, the other replica carried
 * on, and nothing was lost beyond the misfire policy (a fire that came due while the dead replica
 * still held the trigger is recorded as missed). The schedule outlives a restart of one replica
 * and of both.
 */
@RealPostgres
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoReplicaSchedulesIT {

    private static final String TOKEN = "two-replica-schedules-it-token";
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration BOUND = Duration.ofSeconds(120);

    private final PostgresServer catalogServer;
    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance cluster;
    private ReplicaSet replicas;

    TwoReplicaSchedulesIT(PostgresServer catalogServer, PostgresBinaries binaries) {
        this.catalogServer = catalogServer;
        this.binaries = binaries;
    }

    @BeforeAll
    void startClusterAndCatalog() throws Exception {
        scratch = ScratchDirectory.create("shelter-two-replicas-it");
        cluster = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        cluster.start();
        replicas = ReplicaSet.create(catalogServer, scratch, TOKEN);
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            if (replicas != null) {
                replicas.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            scratch.close();
        }
    }

    @Test
    void eachFireTimeRunsOnceAcrossReplicasAndTheSurvivorCarriesOn() throws Exception {
        ShelterProcess a = start("replica-a");
        ShelterProcess b = start("replica-b");
        ShelterClient.Answer created = a.client(TOKEN).post("/api/v1/clusters/main/schedules",
                "{\"kind\": \"backup\", \"cron\": \"*/10 * * * * ?\", \"misfireGraceSeconds\": 5, \"label\": \"two replicas\"}");
        assertEquals(201, created.status(), created.text());
        String id = created.body().path("id").asText();
        assertEquals(200, b.client(TOKEN).get("/api/v1/schedules/" + id).status(), "one store for both replicas");
        Instant createdAt = Instant.now();

        // Killed between backups, so that every fire away from the kill ran: a backup killed midway is taken over and
        // rolled back by the survivor once its run lease expires (TwoReplicaRunTakeoverIT), skipping a fire or two.
        Poll.until("a minute of fires, then a moment with no backup running", Duration.ofSeconds(120), () -> {
            long sinceTheLastTick = Instant.now().getEpochSecond() % 10;
            if (Instant.now().isBefore(createdAt.plusSeconds(60)) || sinceTheLastTick < 3 || sinceTheLastTick > 8) {
                return false;
            }
            Map<Instant, String[]> sofar = fires(id);
            return !sofar.isEmpty() && sofar.values().stream().allMatch(row -> !row[1].equals("CLAIMED"))
                    && b.client(TOKEN).get("/api/v1/clusters/main/backups?state=running").body().path("backups").isEmpty();
        });
        assertEquals(137, replicas.kill("replica-a"));
        Instant killedAt = Instant.now();
        Poll.until("the second minute", Duration.ofSeconds(90), () -> Instant.now().isAfter(createdAt.plusSeconds(120)));
        Instant endedAt = Instant.now();

        Map<Instant, String[]> rows = fires(id);
        System.out.println("fire ledger, replica-a killed at " + killedAt + ":" + describe(rows));
        List<Instant> ticks = new ArrayList<>(rows.keySet());
        assertTrue(ticks.size() >= 10, "two minutes of fires every 10 s: " + describe(rows));
        for (int i = 1; i < ticks.size(); i++) {
            assertEquals(INTERVAL, Duration.between(ticks.get(i - 1), ticks.get(i)), "a fire time without its row: " + describe(rows));
        }
        assertTrue(ticks.get(ticks.size() - 1).isAfter(endedAt.minus(INTERVAL.multipliedBy(2))), "fires went on to the end: "
                + describe(rows));
        for (Map.Entry<Instant, String[]> row : rows.entrySet()) {
            String replica = row.getValue()[0];
            String state = row.getValue()[1];
            boolean nearTheKill = !row.getKey().isBefore(killedAt.minus(INTERVAL)) && row.getKey().isBefore(killedAt.plusSeconds(30));
            if (!nearTheKill) {
                assertEquals("RAN", state, "every fire away from the kill ran: " + describe(rows));
            } else {
                assertTrue(List.of("RAN", "MISSED", "CLAIMED").contains(state), "around the kill a fire ran, was missed, or was "
                        + "claimed by the replica killed: " + describe(rows));
                assertTrue(!state.equals("CLAIMED") || replica.equals("replica-a"), "only the dead replica leaves a claim: "
                        + describe(rows));
            }
            if (row.getKey().isAfter(killedAt.plusSeconds(1))) {
                assertEquals("replica-b", replica, "after the kill the survivor fires: " + describe(rows));
            }
        }
        assertTrue(rows.values().stream().anyMatch(row -> row[0].equals("replica-b") && row[1].equals("RAN")
                && rows.entrySet().stream().anyMatch(r -> r.getValue() == row && r.getKey().isAfter(killedAt))),
                "the survivor ran fires after the kill: " + describe(rows));
        List<String> started = rows.values().stream().filter(row -> row[1].equals("RAN"))
                .map(row -> row[2].replaceAll("^backup (\\S+) started$", "$1")).toList();
        assertEquals(started.size(), Set.copyOf(started).size(), "one backup per fire that ran: " + describe(rows));
        for (String backup : started) {
            JsonNode shown = b.client(TOKEN).get("/api/v1/backups/" + backup).body();
            assertEquals("two replicas", shown.path("label").asText(), "the fire's backup is in the catalog: " + backup);
        }

        ShelterProcess restarted = start("replica-a");
        assertEquals("*/10 * * * * ?", restarted.client(TOKEN).get("/api/v1/schedules/" + id).body().path("cron").asText(),
                "the schedule outlives a restart of one replica");
        replicas.stop("replica-a");
        replicas.stop("replica-b");
        ShelterProcess again = start("replica-b");
        assertEquals(200, again.client(TOKEN).get("/api/v1/schedules/" + id).status(), "and of both");
        int before = fires(id).size();
        Poll.until("fires after both restarted", BOUND, () -> fires(id).size() >= before + 2);
        assertEquals(204, again.client(TOKEN).delete("/api/v1/schedules/" + id).status());
    }

    /** The ledger's rows of the schedule: fire time to (replica, state). */
    private Map<Instant, String[]> fires(String id) throws SQLException {
        Map<Instant, String[]> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(replicas.catalogUrl(), catalogServer.user(), catalogServer.password());
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT scheduled_at, replica, state, detail FROM shelter_schedule_fires WHERE schedule_id = '"
                     + id + "' ORDER BY scheduled_at")) {
            while (r.next()) {
                rows.put(r.getObject(1, OffsetDateTime.class).toInstant(), new String[] {r.getString(2), r.getString(3), r.getString(4)});
            }
        }
        return rows;
    }

    private static String describe(Map<Instant, String[]> rows) {
        StringBuilder text = new StringBuilder();
        rows.forEach((at, row) -> text.append("\n  ").append(at).append(' ').append(String.join(" ", row)));
        return text.toString();
    }

    private ShelterProcess start(String replica) throws Exception {
        return replicas.start(replica, """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {walTimeoutSeconds: 60}
                """.formatted(cluster.dataDirectory(), binaries.directory(), cluster.jdbcUrl(), cluster.password(),
                scratch.resolve("snapshots"), cluster.archiveDirectory()), ", checkInSeconds: 2");
    }
}
