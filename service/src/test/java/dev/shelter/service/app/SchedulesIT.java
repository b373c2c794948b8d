package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backup schedules through the API, against a real PostgreSQL 15: a schedule takes real backups at
 * its fire times, each once; bad input is refused with the reason; pause and resume are idempotent;
 * a schedule outlives a restart of Shelter (its document is in the object store).
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchedulesIT {

    private static final String TOKEN = "schedules-it-admin-token";
    private static final Duration BOUND = Duration.ofSeconds(120);

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;
    private Path config;
    private InProcessShelter shelter;
    private ShelterClient client;

    SchedulesIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void startPostgresAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-schedules-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        postgres.start();
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {walTimeoutSeconds: 120}
                objectStore: {kind: filesystem, directory: "%7$s"}
                schedules: {replica: it-replica}
                """.formatted(postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(), postgres.password(),
                scratch.resolve("snapshots"), postgres.archiveDirectory(), scratch.resolve("store")));
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
    void aBackupScheduleTakesABackupAtEachFireTimeAndOutlivesARestart() {
        ShelterClient.Answer created = client.post("/api/v1/clusters/main/schedules",
                "{\"kind\": \"backup\", \"cron\": \"*/6 * * * * ?\", \"label\": \"every six seconds\", \"misfireGraceSeconds\": 5}");
        assertEquals(201, created.status(), created.text());
        String id = created.body().path("id").asText();
        assertEquals("/api/v1/schedules/" + id, created.location());
        assertEquals(5, created.body().path("nextFireTimes").size());
        assertEquals("*/6 * * * * ?", created.body().path("quartzCron").asText(), "a Quartz expression is kept as written");

        JsonNode twoRan = awaitFires(id, 2);
        List<String> backups = new ArrayList<>();
        Set<String> fireTimes = new HashSet<>();
        for (JsonNode fire : twoRan.path("recentFires")) {
            assertTrue(fireTimes.add(fire.path("scheduledAt").asText()), "each fire time once: " + twoRan);
            if (fire.path("state").asText().equals("ran")) {
                assertEquals("it-replica", fire.path("replica").asText());
                backups.add(fire.path("detail").asText().replaceAll("^backup (\\S+) started$", "$1"));
            }
        }
        for (String backup : backups.subList(0, 2)) {
            JsonNode ended = client.awaitEnd(backup);
            assertEquals("completed", ended.path("state").asText(), ended.toString());
            assertEquals("every six seconds", ended.path("label").asText());
        }
        java.util.regex.Matcher counted = java.util.regex.Pattern.compile("(?m)^shelter_schedule_fires_total\\{schedule=\""
                + id + "\",state=\"ran\"} (\\S+)$").matcher(prometheus());
        assertTrue(counted.find(), "the fires are counted per schedule and outcome");
        assertTrue(Double.parseDouble(counted.group(1)) >= backups.size(), counted.group() + " after " + backups.size() + " ran");

        shelter.close();
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
        JsonNode again = client.get("/api/v1/schedules/" + id).body();
        assertEquals("*/6 * * * * ?", again.path("cron").asText(), "the schedule outlives a restart: " + again);
        Instant restartedAt = Instant.now();
        Poll.until("a backup by the schedule after the restart", BOUND, () -> client.get("/api/v1/clusters/main/backups").body()
                .path("backups").findValues("requestedAt").stream().anyMatch(at -> Instant.parse(at.asText()).isAfter(restartedAt)));
        assertEquals(204, client.delete("/api/v1/schedules/" + id).status());
        assertEquals(404, client.get("/api/v1/schedules/" + id).status());
    }

    /** The admin port's Prometheus exposition. */
    private String prometheus() {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + shelter.adminPort() + "/prometheus")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * *\"}"), 400, "has 5 fields");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"61 * * * *\"}"), 400,
                "not a valid cron expression");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 0 1 * 1\"}"), 400,
                "either the day of the month");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\", "
                + "\"timeZone\": \"Mars/Olympus\"}"), 400, "is not a time zone");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backups\", \"cron\": \"0 2 * * *\"}"), 400,
                "unknown schedule kind");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"cron\": \"0 2 * * *\"}"), 400, "kind is required");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\", "
                + "\"misfireGraceSeconds\": 0}"), 400, "misfireGraceSeconds must be between 1 and");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\", "
                + "\"mode\": \"offline\"}"), 400, "to schedule it, send");
        assertRefused(client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\", "
                + "\"label\": \"new\\nline\"}"), 400, "label must be");
        assertRefused(client.post("/api/v1/clusters/nowhere/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\"}"), 404, "nowhere");
        assertRefused(client.get("/api/v1/schedules/sch-000000000000"), 404, "no schedule");
        assertRefused(client.get("/api/v1/schedules/not-a-schedule"), 404, "no schedule");
        assertEquals(List.of(), client.get("/api/v1/clusters/main/schedules").body().path("schedules").findValuesAsText("cron")
                .stream().filter(cron -> cron.equals("0 2 * *")).toList(), "nothing refused was stored");

        String id = client.post("/api/v1/clusters/main/schedules", "{\"kind\": \"backup\", \"cron\": \"0 2 * * *\"}").body().path("id").asText();
        assertRefused(client.put("/api/v1/schedules/" + id, "{\"cron\": \"every night\"}"), 400, "has 5 fields");
        assertRefused(client.get("/api/v1/schedules/" + id + "/next?count=0"), 400, "count must be between 1 and 100");
        assertRefused(client.get("/api/v1/schedules/" + id + "/next?count=x"), 400, "count must be a whole number");
        assertEquals("0 2 * * *", client.get("/api/v1/schedules/" + id).body().path("cron").asText(), "a refused change changes nothing");
        assertEquals(204, client.delete("/api/v1/schedules/" + id).status());
    }

    @Test
    void pauseAndResumeAreIdempotentAndAChangeKeepsWhatItDoesNotName() {
        JsonNode created = client.post("/api/v1/clusters/main/schedules",
                "{\"kind\": \"backup\", \"cron\": \"30 9 * * 1-5\", \"timeZone\": \"Europe/Berlin\"}").body();
        String id = created.path("id").asText();
        assertEquals("0 30 9 ? * MON-FRI", created.path("quartzCron").asText());

        for (int i = 0; i < 2; i++) {
            ShelterClient.Answer paused = client.post("/api/v1/schedules/" + id + "/pause", "");
            assertEquals(200, paused.status(), paused.text());
            assertTrue(paused.body().path("paused").asBoolean());
            assertEquals(0, paused.body().path("nextFireTimes").size(), "a paused schedule has no next fire time");
        }
        for (int i = 0; i < 2; i++) {
            ShelterClient.Answer resumed = client.post("/api/v1/schedules/" + id + "/resume", "");
            assertEquals(200, resumed.status(), resumed.text());
            assertFalse(resumed.body().path("paused").asBoolean());
        }
        JsonNode next = client.get("/api/v1/schedules/" + id + "/next?count=3").body().path("nextFireTimes");
        assertEquals(3, next.size());
        for (JsonNode time : next) {
            assertTrue(time.asText().endsWith("T08:30:00Z") || time.asText().endsWith("T07:30:00Z"), "09:30 in Berlin: " + next);
        }

        JsonNode changed = client.put("/api/v1/schedules/" + id, "{\"cron\": \"0 3 * * *\"}").body();
        assertEquals("0 3 * * *", changed.path("cron").asText());
        assertEquals("Europe/Berlin", changed.path("timeZone").asText(), "what the change does not name stays");
        assertEquals("online", changed.path("mode").asText());
        assertEquals(204, client.delete("/api/v1/schedules/" + id).status());
        assertEquals(404, client.post("/api/v1/schedules/" + id + "/pause", "").status());
    }

    private JsonNode awaitFires(String id, int ran) {
        return Poll.until(ran + " fires that ran", BOUND, Duration.ofMillis(200), () -> client.get("/api/v1/schedules/" + id).body(),
                schedule -> schedule.path("recentFires").findValuesAsText("state").stream().filter("ran"::equals).count() >= ran,
                () -> "");
    }

    private static void assertRefused(ShelterClient.Answer answer, int status, String reason) {
        assertEquals(status, answer.status(), answer.text());
        assertTrue(answer.text().contains(reason), "the answer gives the reason '" + reason + "': " + answer.text());
        assertFalse(answer.text().contains("Exception"), answer.text());
    }
}
