package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.wal.WalFileName;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Shelter processes on one catalog database and one object store, and a backup that waits for
 * WAL only the test sends. While the replica that runs it lives, the other refuses a second run on
 * the cluster and leaves the backup alone. Killed with -9, it leaves the backup unfinished: the
 * other replica takes the run over once the dead one's run lease expires, rolls it back (its
 * session died with it: no snapshot is left), and then backs the cluster up itself.
 */
@RealPostgres
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoReplicaRunTakeoverIT {

    private static final String TOKEN = "two-replica-takeover-it-token";
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(30);

    private final PostgresServer catalogServer;
    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance cluster;
    private ReplicaSet replicas;

    TwoReplicaRunTakeoverIT(PostgresServer catalogServer, PostgresBinaries binaries) {
        this.catalogServer = catalogServer;
        this.binaries = binaries;
    }

    @BeforeAll
    void startClusterAndCatalog() throws Exception {
        scratch = ScratchDirectory.create("shelter-takeover-it");
        cluster = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        cluster.start();
        Files.createDirectories(scratch.resolve("fed-archive"));
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
    void aDeadReplicasBackupIsTakenOverAndRolledBackAndTheClusterIsFreeAgain() throws Exception {
        ShelterProcess a = start("replica-a");
        ShelterProcess b = start("replica-b");
        ShelterClient onA = a.client(TOKEN);
        ShelterClient onB = b.client(TOKEN);

        ShelterClient.Answer started = onA.post("/api/v1/clusters/main/backups", "{\"label\": \"held on a\"}");
        assertEquals(202, started.status(), started.text());
        String held = started.body().path("id").asText();
        JsonNode waiting = onA.awaitBackup(held, x -> "waiting_for_wal".equals(x.path("phase").asText())
                || !"running".equals(x.path("state").asText()), Duration.ofSeconds(60));
        assertEquals("waiting_for_wal", waiting.path("phase").asText(), waiting.toString());
        assertTrue(Files.isDirectory(snapshotOf(held)), "the backup's snapshot is made");

        ShelterClient.Answer busy = onB.post("/api/v1/clusters/main/backups", "{}");
        assertEquals(409, busy.status(), "one replica at a time runs on a cluster: " + busy.text());
        assertTrue(busy.body().path("message").asText().contains(held) || busy.body().path("message").asText().contains("is busy"),
                "the refusal names what holds the cluster: " + busy.text());
        // Two lease terms with replica-a alive: replica-b's look-outs for dead replicas leave its run alone.
        Instant aliveUntil = Instant.now().plusSeconds(25);
        Poll.until("two lease terms pass", Duration.ofSeconds(60), () -> Instant.now().isAfter(aliveUntil));
        JsonNode stillHeld = onB.get("/api/v1/backups/" + held).body();
        assertEquals("running", stillHeld.path("state").asText(), "a live replica's run is never taken over: " + stillHeld);

        assertEquals(137, replicas.kill("replica-a"), "replica-a died of SIGKILL");
        long killedAt = System.nanoTime();
        JsonNode ended = onB.awaitBackup(held, x -> !"running".equals(x.path("state").asText()), Duration.ofSeconds(120));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.println("run taken over and rolled back " + takeover.toMillis() + " ms after the kill: " + ended);
        assertEquals("failed", ended.path("state").asText(), ended.toString());
        assertTrue(takeover.compareTo(TAKEOVER_BOUND) <= 0, "taken over " + takeover.toMillis() + " ms after the kill");
        assertFalse(Files.exists(snapshotOf(held)), "the rollback deleted the dead replica's snapshot");
        assertTrue(b.log().contains("replica-a") || b.log().contains("takes them over"), "replica-b says what it took over");

        ShelterClient.Answer next = onB.post("/api/v1/clusters/main/backups", "{\"label\": \"after the takeover\"}");
        assertEquals(202, next.status(), "the cluster is free again: " + next.text());
        String id = next.body().path("id").asText();
        JsonNode waitingAgain = onB.awaitBackup(id, x -> "waiting_for_wal".equals(x.path("phase").asText())
                || !"running".equals(x.path("state").asText()), Duration.ofSeconds(60));
        feed(onB, waitingAgain);
        assertEquals("completed", onB.awaitEnd(id).path("state").asText());
    }

    /** Sends the segment the backup waits for, as archive_command would. */
    private void feed(ShelterClient client, JsonNode waiting) throws Exception {
        String segment = WalFileName.lastNeededBefore(new Timeline(waiting.path("timeline").asLong()),
                Lsn.parse(waiting.path("stopLsn").asText()), 16L << 20).value();
        Path archived = cluster.archiveDirectory().resolve(segment);
        Poll.until("PostgreSQL archives " + segment, Duration.ofSeconds(90),
                () -> Files.isRegularFile(archived) && Files.size(archived) == 16L << 20);
        ShelterClient.Answer put = client.putBytes("/api/v1/clusters/main/wal/" + segment, Files.readAllBytes(archived));
        assertTrue(put.status() == 201 || put.status() == 200, put.text());
    }

    private Path snapshotOf(String id) throws Exception {
        Path snapshots = scratch.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return snapshots.resolve("none").resolve("shelter-" + id);
        }
        try (Stream<Path> volumes = Files.list(snapshots)) {
            return volumes.findFirst().orElse(snapshots.resolve("none")).resolve("shelter-" + id);
        }
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
                    backups: {walTimeoutSeconds: 300}
                """.formatted(cluster.dataDirectory(), binaries.directory(), cluster.jdbcUrl(), cluster.password(),
                scratch.resolve("snapshots"), scratch.resolve("fed-archive")), "");
    }
}
