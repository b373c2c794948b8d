package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.testing.Poll;

import java.time.Duration;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster's backups and restores as an operator drives them through the API, with what must hold
 * each time: the preview chooses the backup expected, a second restore and a backup are refused with
 * 409 while one runs, the restore completes on a new timeline, and a fresh backup follows it.
 */
final class RestoresThroughApi {

    private final ShelterClient admin;
    private final String cluster;
    private final Duration restoreTimeout;
    private final Supplier<String> serverLog;
    private final String strategy;

    RestoresThroughApi(ShelterClient admin, String cluster, Duration restoreTimeout, Supplier<String> serverLog) {
        this(admin, cluster, restoreTimeout, serverLog, null);
    }

    private RestoresThroughApi(ShelterClient admin, String cluster, Duration restoreTimeout, Supplier<String> serverLog, String strategy) {
        this.admin = admin;
        this.cluster = cluster;
        this.restoreTimeout = restoreTimeout;
        this.serverLog = serverLog;
        this.strategy = strategy;
    }

    /** The same, restoring by {@code strategy} ("clone-swap"…) instead of the default. */
    RestoresThroughApi withStrategy(String restoreStrategy) {
        return new RestoresThroughApi(admin, cluster, restoreTimeout, serverLog, restoreStrategy);
    }

    /** A completed backup's id. */
    String backUp(String label) {
        ShelterClient.Answer started = admin.post("/api/v1/clusters/" + cluster + "/backups", "{\"label\": \"" + label + "\"}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = admin.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), backup.toPrettyString());
        return backup.path("id").asText();
    }

    /** The backup a restore to {@code target} would start from, as the dry run chooses it. */
    String chosenFor(String target) {
        ShelterClient.Answer preview = admin.post("/api/v1/clusters/" + cluster + "/restores", "{\"target\": " + target
                + ", \"dryRun\": true}");
        assertEquals(200, preview.status(), preview.text());
        return preview.body().path("backupId").asText();
    }

    /**
     * Restores to {@code target} (the API's target object), from {@code backupId} when not null;
     * the preview must choose {@code expectedBackup}. Returns the completed restore, once its fresh backup has completed too.
     */
    JsonNode restore(String target, String expectedBackup, String backupId) {
        String body = "{" + (backupId == null ? "" : "\"backupId\": \"" + backupId + "\", ")
                + (strategy == null ? "" : "\"strategy\": \"" + strategy + "\", ") + "\"target\": " + target
                + ", \"confirm\": \"" + cluster + "\"}";
        String restores = "/api/v1/clusters/" + cluster + "/restores";
        ShelterClient.Answer preview = admin.post(restores, body.replace("\"confirm\": \"" + cluster + "\"}", "\"dryRun\": true}"));
        assertEquals(200, preview.status(), preview.text());
        assertEquals(expectedBackup, preview.body().path("backupId").asText(), "the backup chosen for " + target + ": " + preview.text());

        ShelterClient.Answer started = admin.post(restores, body);
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        ShelterClient.Answer second = admin.post(restores, body);
        assertEquals(409, second.status(), "one restore per cluster: " + second.text());
        assertTrue(second.text().contains(id), "the refusal names the restore that runs: " + second.text());
        assertEquals(409, admin.post("/api/v1/clusters/" + cluster + "/backups", "{}").status(), "no backup while a restore runs");
        assertEquals("/api/v1/restores/" + id, started.location());
        JsonNode restore = Poll.until("restore " + id + " to " + target + " ends", restoreTimeout,
                () -> admin.get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"), serverLog);
        assertEquals("completed", restore.path("state").asText(), restore.toPrettyString() + "\n" + serverLog.get());
        assertEquals(expectedBackup, restore.path("backupId").asText());
        assertEquals("it-admin", restore.path("requestedBy").asText());
        assertTrue(restore.path("promotedTimeline").asLong() > 1, restore.toPrettyString());
        assertTrue(restore.path("rtoSeconds").asDouble() > 0, restore.toPrettyString());
        assertEquals(strategy == null ? "rollback" : strategy, restore.path("strategy").asText());
        double firstAnswer = restore.path("rto").path("firstSqlAnswerSeconds").asDouble();
        assertTrue(firstAnswer > 0 && firstAnswer <= restore.path("rto").path("verifiedSeconds").asDouble(), restore.toPrettyString());
        awaitFreshBackupAfter(id);
        return restore;
    }

    /** A completed restore is followed by a fresh backup, which holds the cluster until it ends. */
    void awaitFreshBackupAfter(String restoreId) {
        JsonNode fresh = Poll.until("a fresh backup after restore " + restoreId, Duration.ofMinutes(2),
                () -> admin.get("/api/v1/clusters/" + cluster + "/backups?limit=500").body().path("backups"),
                list -> {
                    for (JsonNode b : list) {
                        if (b.path("label").asText().equals("after restore " + restoreId) && !b.path("state").asText().equals("running")) {
                            return true;
                        }
                    }
                    return false;
                });
        for (JsonNode b : fresh) {
            if (b.path("label").asText().equals("after restore " + restoreId)) {
                assertEquals("completed", b.path("state").asText(), b.toPrettyString());
            }
        }
    }
}
