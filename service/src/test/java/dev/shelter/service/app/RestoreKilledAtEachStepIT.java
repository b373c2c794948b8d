package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.postgres.ControlFile;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter killed with -9 at each step of the rollback restore and of the clone-and-swap restore, in
 * local mode: started with a failpoint that freezes the restore at the step, killed there, and
 * started again. The restarted Shelter resumes the restore, which completes with exactly the rows
 * committed up to the target; a clone and swap leaves no clone unswapped. One whose check fails is
 * swapped back instead, with the cluster serving what it served before. At the kill, a cluster with
 * no member running always has a journal saying the restore is running. Each case prints its evidence.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreKilledAtEachStepIT {

    private static final String ADMIN = "restore-killed-it-admin-token";
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z_]+)\"");
    /** Passes for the target's two batches (1000 rows), fails for the latest data (1500). */
    private static final String CHECK = "SELECT count(*) <= 1000 FROM ledger";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance primary;
    private Path config;
    private String target;
    private String expectedRows;
    private int run;
    /** The new clusters the cases made: stopped at the end if a case failed before its teardown. */
    private final List<NewCluster> newClusters = new java.util.ArrayList<>();

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
                + cluster.clustersSection("primary", binaries, scratch.resolve("snapshots"), List.of(CHECK))
                        .replace("checks: [", "keepOriginalsSeconds: 0, checks: [")
                + "objectStore: {kind: filesystem, directory: \"" + scratch.resolve("store") + "\"}\n"
                + "offsite: {parallelFetches: 2}\n");
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
            String backup = started.body().path("id").asText();
            assertEquals("completed", client.awaitEnd(backup).path("state").asText());
            assertEquals(202, client.postWhenFree("/api/v1/backups/" + backup + "/export", "").status());
            Poll.until("backup " + backup + " has its copy", Duration.ofMinutes(2), () -> client.get("/api/v1/backups/" + backup).body()
                    .path("offsite").path("state").asText(), "exported"::equals);
            insertBatch(2);
            target = primary.queryValue("SELECT pg_current_wal_lsn()::text");
            expectedRows = batches();
            insertBatch(3);
            // A restore into a new cluster does not switch the source's WAL: the target's segment must be archived already.
            String last = primary.queryValue("SELECT pg_walfile_name(pg_switch_wal())");
            Poll.until("the source's WAL archived through " + last, Duration.ofSeconds(60),
                    () -> primary.queryValue("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"),
                    archived -> archived.compareTo(last) >= 0);
        }
    }

    @AfterAll
    void stopEverything() {
        try {
            for (NewCluster copy : newClusters) {
                if (Files.isRegularFile(copy.dataDirectory().resolve("postmaster.pid"))) {
                    PostgresInstance.existing(binaries, scratch.resolve("stop-" + copy.port()), copy.dataDirectory(), copy.port(),
                            primary.password()).stopImmediately();
                }
            }
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
        JsonNode restore = killAndResume("rollback", "{\"lsn\": \"" + target + "\", \"timeline\": 1}", step, moment,
                (shelter, ended) -> {
                    assertEquals("completed", ended.path("state").asText(), ended.toPrettyString() + "\n" + shelter.log());
                    assertEquals(expectedRows, batches(), "exactly the rows committed up to " + target);
                    awaitFreshBackup(shelter.client(ADMIN), ended.path("id").asText());
                });
        assertEquals("rollback", restore.path("strategy").asText());
    }

    /**
     * PostgreSQL removes recovery.signal just before it writes the new timeline and leaves recovery.
     * Stopped in between, a plain start does crash recovery along timeline 1 through the WAL it kept
     * in pg_wal, past the target. That state is made here for real: with Shelter frozen before its
     * StartMember (its WAL endpoint still answers), the server is started by hand to recover to the
     * target and shut down there, and its signal is removed. The restarted Shelter must put the signal
     * back and promote at the target, not serve the rows past it.
     */
    @Test
    void aRecoveryCutOffAtItsEndRecoversToTheTargetAfterTheRestart() throws Exception {
        Path autoConf = primary.dataDirectory().resolve("postgresql.auto.conf");
        JsonNode restore = killAndResume("rollback", "{\"strategy\": \"rollback\", \"target\": {\"lsn\": \"" + target
                        + "\", \"timeline\": 1}, \"confirm\": \"primary\"}", "StartMember", "before", null,
                (shelter, frozen) -> {
                    String settings = Files.readString(autoConf);
                    Files.writeString(autoConf, settings.replace("recovery_target_action = 'promote'", "recovery_target_action = 'shutdown'"));
                    primary.startWithoutWaiting();
                    Poll.until("PostgreSQL recovers to the target and shuts down there", Duration.ofMinutes(2),
                            () -> ControlFile.read(primary.dataDirectory()).state() + (primary.isRunning() ? ", running" : ""),
                            state -> state.equals("shut down in recovery"), primary::logTail);
                    Files.writeString(autoConf, settings);
                    Files.delete(primary.dataDirectory().resolve("recovery.signal"));
                },
                (shelter, ended) -> {
                    assertEquals("completed", ended.path("state").asText(), ended.toPrettyString() + "\n" + shelter.log());
                    assertEquals(expectedRows, batches(), "exactly the rows committed up to " + target);
                    assertTrue(shelter.log().contains("StartMember recorded recoveryRearmed=recovery.signal put back: pg_control says "
                            + "shut down in recovery"), shelter.log());
                    awaitFreshBackup(shelter.client(ADMIN), ended.path("id").asText());
                });
        assertEquals("rollback", restore.path("strategy").asText());
    }

    @ParameterizedTest(name = "a clone-and-swap restore killed at {0}:{1} completes after the restart")
    @CsvSource({
            "CloneSnapshots, started",
            "CloneSnapshots, inside",
            "CloneSnapshots, executed",
            "StopCluster, executed",
            "SwapInClones, started",
            "SwapInClones, executed",
            "WriteRecoveryFiles, executed",
            "OpenArchiveIncarnation, executed",
            "StartMember, executed",
            "AwaitRecoveryEnd, inside",
            "VerifyRestore, executed",
            "KeepOriginals, started",
            "KeepOriginals, executed",
    })
    void aCloneAndSwapKilledAtTheStepCompletesAfterTheRestart(String step, String moment) throws Exception {
        killAndResume("clone-swap", "{\"lsn\": \"" + target + "\", \"timeline\": 1}", step, moment, this::swappedInAtTheTarget);
    }

    /**
     * From the off-site copy: killed while a volume is half rebuilt, the restarted Shelter removes it
     * and rebuilds it; killed later, it goes on as a clone and swap does.
     */
    @ParameterizedTest(name = "a restore from the object store killed at {0}:{1} completes after the restart")
    @CsvSource({
            "RebuildVolumes, started",
            "RebuildVolumes, inside",
            "RebuildVolumes, executed",
            "SwapInClones, executed",
            "KeepOriginals, executed",
    })
    void aRestoreFromTheObjectStoreKilledAtTheStepCompletesAfterTheRestart(String step, String moment) throws Exception {
        JsonNode restore = killAndResume("from-object-store", "{\"lsn\": \"" + target + "\", \"timeline\": 1}", step, moment,
                this::swappedInAtTheTarget);
        assertEquals("from-object-store", restore.path("strategy").asText());
    }

    /** A clone and swap, or a rebuild from the store (which goes on as one), completed: the target's rows, the original kept. */
    private void swappedInAtTheTarget(ShelterProcess shelter, JsonNode ended) throws Exception {
        assertEquals("completed", ended.path("state").asText(), ended.toPrettyString() + "\n" + shelter.log());
        assertEquals(expectedRows, batches(), "exactly the rows committed up to " + target);
        assertEquals(1, ended.path("keptOriginals").size(), ended.toPrettyString());
        assertEquals(List.of(), besideTheDataDirectory(".clone-"), "no clone or rebuilt volume is left unswapped");
        awaitFreshBackup(shelter.client(ADMIN), ended.path("id").asText());
    }

    /** The check fails on the latest data: killed while verifying, the restarted Shelter verifies again and swaps back. */
    @ParameterizedTest(name = "a clone-and-swap restore that fails its check, killed at {0}:{1}, is swapped back after the restart")
    @CsvSource({
            "VerifyRestore, started",
            "AwaitRecoveryEnd, executed",
    })
    void aFailingCloneAndSwapKilledBeforeItsVerdictIsSwappedBackAfterTheRestart(String step, String moment) throws Exception {
        String rowsBefore = batches();
        String timelineBefore = primary.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()");
        killAndResume("clone-swap", "{\"latest\": true, \"timeline\": 1}", step, moment, (shelter, ended) -> {
            assertEquals("rolled-back", ended.path("state").asText(), ended.toPrettyString() + "\n" + shelter.log());
            assertTrue(ended.path("failure").asText().contains("fails the check '" + CHECK + "'"), ended.toPrettyString());
            assertEquals(rowsBefore, batches(), "the cluster serves what it served before the restore");
            assertEquals(timelineBefore, primary.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()"));
            assertEquals(List.of(), besideTheDataDirectory(".clone-"), "the clone is gone");
            assertEquals(List.of(), besideTheDataDirectory(".original-"), "the original is back in place");
        });
    }

    /**
     * Into a new cluster: killed at each step, the restarted Shelter finishes the restore (the source
     * serving what it served all along), and DELETE removes the new cluster.
     */
    @ParameterizedTest(name = "a restore into a new cluster killed at {0}:{1} completes after the restart")
    @CsvSource({
            "CloneIntoNewCluster, started",
            "CloneIntoNewCluster, executed",
            "ConfigureNewCluster, executed",
            "WriteRecoveryFiles, executed",
            "StartMember, executed",
            "AwaitRecoveryEnd, inside",
            "VerifyRestore, executed",
    })
    void aNewClusterKilledAtTheStepCompletesAfterTheRestart(String step, String moment) throws Exception {
        NewCluster copy = NewCluster.next(scratch, run);
        newClusters.add(copy);
        String rowsBefore = batches();
        killAndResume("new-cluster", copy.order(target), step, moment, null, (shelter, ended) -> {
            assertEquals("completed", ended.path("state").asText(), ended.toPrettyString() + "\n" + shelter.log());
            assertEquals(expectedRows, copy.batches(primary.password()), "the new cluster has exactly the rows up to " + target);
            assertEquals(rowsBefore, batches(), "the source serves what it served all along");
            tearDown(shelter.client(ADMIN), ended, copy);
        });
    }

    /** The teardown killed at each of its steps is finished by the restarted Shelter. */
    @ParameterizedTest(name = "a teardown of a new cluster killed at {0}:{1} finishes after the restart")
    @CsvSource({
            "StopNewCluster, executed",
            "RemoveNewCluster, started",
            "RemoveNewClusterArchive, started",
    })
    void aTeardownKilledAtTheStepFinishesAfterTheRestart(String step, String moment) throws Exception {
        NewCluster copy = NewCluster.next(scratch, run);
        newClusters.add(copy);
        String[] restoreId = new String[1];
        killAndResume("new-cluster", copy.order(target), step, moment, (shelter, ended) -> {
            assertEquals("completed", ended.path("state").asText(), ended.toPrettyString() + "\n" + shelter.log());
            restoreId[0] = ended.path("id").asText();
            ShelterClient.Answer deleted = shelter.client(ADMIN).delete("/api/v1/restores/" + restoreId[0] + "?confirm="
                    + ended.path("newCluster").path("name").asText());
            assertEquals(202, deleted.status(), deleted.text());
        }, (shelter, ended) -> {
            JsonNode removed = Poll.until("the teardown ends after the restart", Duration.ofMinutes(2),
                    () -> shelter.client(ADMIN).get("/api/v1/restores/" + restoreId[0]).body(),
                    r -> !r.path("newCluster").path("state").asText().equals("removing"));
            assertEquals("removed", removed.path("newCluster").path("state").asText(), removed.toPrettyString());
            copy.assertGone();
        });
    }

    /** DELETE of the restore; waits until its new cluster is removed, and nothing of it is left. */
    private static void tearDown(ShelterClient client, JsonNode restore, NewCluster copy) throws Exception {
        String id = restore.path("id").asText();
        ShelterClient.Answer deleted = client.delete("/api/v1/restores/" + id + "?confirm=" + restore.path("newCluster").path("name").asText());
        assertEquals(202, deleted.status(), deleted.text());
        JsonNode removed = Poll.until("the new cluster of " + id + " removed", Duration.ofMinutes(2),
                () -> client.get("/api/v1/restores/" + id).body(), r -> !r.path("newCluster").path("state").asText().equals("removing"));
        assertEquals("removed", removed.path("newCluster").path("state").asText(), removed.toPrettyString());
        copy.assertGone();
    }

    /** Where one case's new cluster goes, and how to look at it. */
    private record NewCluster(Path dataDirectory, int port) {
        static NewCluster next(ScratchDirectory scratch, int run) {
            return new NewCluster(scratch.resolve("new-cluster-" + (run + 1)), dev.shelter.testing.Ports.reserve());
        }

        String order(String lsn) {
            return "{\"strategy\": \"new-cluster\", \"target\": {\"lsn\": \"" + lsn + "\", \"timeline\": 1}, \"newCluster\": "
                    + "{\"dataDirectory\": \"" + dataDirectory + "\", \"port\": " + port + "}}";
        }

        String batches(String password) throws Exception {
            try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres",
                    password); Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(
                    "SELECT string_agg(batch || ':' || n, ',' ORDER BY batch) FROM (SELECT batch, count(*) AS n FROM ledger GROUP BY batch) b")) {
                r.next();
                return r.getString(1);
            }
        }

        void assertGone() {
            assertTrue(!Files.exists(dataDirectory), dataDirectory + " is removed");
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                throw new AssertionError("the new cluster still listens on " + port);
            } catch (java.io.IOException e) {
                // nothing listens: its server is stopped
            }
        }
    }

    /** What must hold once the restarted Shelter has ended the restore. */
    private interface Outcome {
        void check(ShelterProcess shelter, JsonNode ended) throws Exception;
    }

    /** Starts the restore with a failpoint at the step, kills Shelter there, restarts it, and checks how the restore ended. */
    private JsonNode killAndResume(String strategy, String restoreTarget, String step, String moment, Outcome outcome) throws Exception {
        return killAndResume(strategy, "{\"strategy\": \"" + strategy + "\", \"target\": " + restoreTarget + ", \"confirm\": \"primary\"}",
                step, moment, null, outcome);
    }

    /** As above with the request's body; {@code beforeTheKill}, if any, runs once the restore has ended and must freeze Shelter. */
    private JsonNode killAndResume(String strategy, String body, String step, String moment, Outcome beforeTheKill, Outcome outcome)
            throws Exception {
        return killAndResume(strategy, body, step, moment, beforeTheKill, (shelter, frozen) -> { }, outcome);
    }

    /** As above; {@code whileFrozen} runs once Shelter is frozen at the step, before the kill. */
    private JsonNode killAndResume(String strategy, String body, String step, String moment, Outcome beforeTheKill, Outcome whileFrozen,
                                   Outcome outcome) throws Exception {
        run++;
        String id;
        try (ShelterProcess shelter = FrozenShelter.start(config, ADMIN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(ADMIN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/primary/restores", body);
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            if (beforeTheKill != null) {
                JsonNode ended = Poll.until("restore " + id + " ends", Duration.ofMinutes(3), () -> client.get("/api/v1/restores/" + id).body(),
                        r -> !r.path("state").asText().equals("running"), primary::logTail);
                beforeTheKill.check(shelter, ended);
            }
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(120));
            whileFrozen.check(shelter, client.get("/api/v1/restores/" + id).body());
            FrozenShelter.kill(shelter);
        }
        boolean running = primary.isRunning();
        String journalState = journalState(id);
        String atKill = "PostgreSQL " + (running ? "running" : "stopped") + ", journal " + journalState
                + (strategy.equals("clone-swap") || strategy.equals("from-object-store") ? ", beside the data directory " + besideTheDataDirectory(".") : "");
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
            System.out.printf("%s restore killed at %s:%s -> at the kill: %s; after the restart: state %s, %s, stopped %s, rows %s%n",
                    strategy, step, moment, atKill, restore.path("state").asText(), restore.path("currentStep").asText(),
                    restore.path("recoveryStopped").asText(), rows);
            outcome.check(shelter, restore);
            return restore;
        }
    }

    /** The names beside the data directory that start with its own and contain {@code marker}. */
    private List<String> besideTheDataDirectory(String marker) throws java.io.IOException {
        String data = primary.dataDirectory().getFileName().toString();
        try (java.util.stream.Stream<Path> beside = Files.list(primary.dataDirectory().getParent())) {
            return beside.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(data) && n.contains(marker)).sorted().toList();
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
