package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shelter killed with -9 at each step of an online backup of a StatefulSet on the Kubernetes test
 * bed, its PGDATA on an RBD image behind the primary pod's claim (csi-vol-…, not the claim
 * template's name): after the restart the backup is failed, PostgreSQL holds no backup session,
 * and Ceph lists not one snapshot of that backup on the image. Offline too: the StatefulSet scaled
 * to zero by the killed Shelter is scaled back by the restarted one, and PostgreSQL answers with its
 * rows. Each case prints its evidence.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesBackupKilledAtEachStepIT {

    private static final String TOKEN = "kubernetes-killed-it-admin-token";

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private PostgresStatefulSet orders;
    private ScratchDirectory scratch;
    private Path config;
    private String image;
    private int run;

    KubernetesBackupKilledAtEachStepIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void startAStatefulSet() throws Exception {
        bed = KubeTestBed.open(server, ceph, binaries);
        orders = bed.startPostgres("orders");
        image = bed.kubelet().images().iterator().next(); // the bed's only StatefulSet has one claim
        scratch = ScratchDirectory.create("shelter-kubernetes-killed-it");
        Path token = scratch.resolve("sa-token");
        Files.writeString(token, bed.shelterToken());
        config = scratch.resolve("shelter.yml");
        Files.writeString(config, """
                server:
                  applicationConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  adminConnectors: [{type: http, port: 0, bindHost: 127.0.0.1}]
                  requestLog: {appenders: []}
                logging: {level: INFO}
                auth:
                  tokens: [{name: it-admin, role: admin, token: %s}]
                clusters:
                  - name: orders
                    target: {kind: kubernetes, namespace: %s, statefulSet: orders, pgdataPath: pgdata}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    backups: {walTimeoutSeconds: 60}
                objectStore: {kind: filesystem, directory: "%s"}
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                kubernetes: {server: "%s", token: "file:%s", certificateAuthorityFile: "%s"}
                """.formatted(TOKEN, bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(),
                bed.kubelet().archiveDirectoryOf("orders-0"), scratch.resolve("store"), ceph.config().configFile(),
                ceph.config().user(), ceph.config().keyringFile(), ceph.config().pool(), server.url(), token,
                server.certificateAuthority()));
    }

    @AfterAll
    void stopTheTestBed() {
        try {
            if (bed != null) {
                bed.close();
            }
        } finally {
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @ParameterizedTest(name = "online backup on RBD, killed at {0}:{1}")
    @CsvSource({
            "RecordBackupRunning, executed, failed",
            "OpenBackupSession, executed, failed",
            "LocateVolumes, executed, failed",
            "SnapshotInBackupMode, started, failed",
            "SnapshotInBackupMode, inside, failed",
            "SnapshotInBackupMode, executed, failed",
            "AwaitWalArchived, before, failed",
            "RecordBackupComplete, executed, completed",
    })
    void aKillAtTheStepEndsTheBackupCleanlyAfterTheRestart(String step, String moment, String outcome) throws Exception {
        run++;
        String id;
        int sessionsBeforeKill;
        try (ShelterProcess shelter = FrozenShelter.start(config, TOKEN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(TOKEN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/orders/backups", "{\"mode\":\"online\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(120));
            sessionsBeforeKill = backupSessions(id);
            FrozenShelter.kill(shelter);
        }
        String atKill = "backup sessions just before the kill " + sessionsBeforeKill + "; after it: snapshots on " + image + " " + snapshotsOf(id) + ", backup sessions " + backupSessions(id);

        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            ShelterClient client = shelter.client(TOKEN);
            JsonNode backup = client.get("/api/v1/backups/" + id).body();
            Poll.until("PostgreSQL ends any session of " + id, Duration.ofSeconds(60), () -> backupSessions(id), n -> n == 0);
            List<SnapshotRef> left = snapshotsOf(id);
            System.out.printf("online backup on RBD killed at %s:%s -> %s; after the restart: state %s, snapshots in Ceph %s, "
                            + "backup sessions %d, failure: %s%n", step, moment, atKill, backup.path("state").asText(), left,
                    backupSessions(id), backup.path("failure").asText());
            assertEquals(outcome, backup.path("state").asText(), backup.toString());
            assertEquals(0, backupSessions(id));
            if (outcome.equals("failed")) {
                assertEquals(List.of(), left, "no snapshot of the interrupted backup is left on " + image);
                assertTrue(backup.path("failure").asText().contains("Shelter stopped"), backup.toString());
            } else {
                assertEquals(1, left.size(), "the complete backup keeps its snapshot: " + left);
                assertDeleted(client, "/api/v1/backups/" + id);
                assertEquals(List.of(), snapshotsOf(id));
            }
        }
    }

    @ParameterizedTest(name = "offline backup on RBD, killed at {0}:{1}")
    @CsvSource({
            "StopServer, executed, failed",
            "ReadShutdownCheckpoint, executed, failed",
            "CreateSnapshots, executed, failed",
            "StartServer, executed, failed",
            "RecordBackupComplete, executed, completed",
    })
    void anOfflineBackupKilledAtTheStepLeavesTheStatefulSetRunningAfterTheRestart(String step, String moment, String outcome)
            throws Exception {
        run++;
        orders.execute("CREATE TABLE IF NOT EXISTS offline_rows (id int PRIMARY KEY)",
                "INSERT INTO offline_rows VALUES (" + run + ")");
        String rows = orders.queryValue("SELECT string_agg(id::text, ',' ORDER BY id) FROM offline_rows");
        String id;
        try (ShelterProcess shelter = FrozenShelter.start(config, TOKEN, scratch.resolve("shelter-" + run + "-killed.log"), step, moment)) {
            ShelterClient client = shelter.client(TOKEN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/orders/backups",
                    "{\"mode\":\"offline\",\"confirm\":\"orders\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            FrozenShelter.awaitFrozen(shelter, step, moment, Duration.ofSeconds(180));
            FrozenShelter.kill(shelter);
        }
        String atKill = "pods " + bed.kubelet().runsPostgresFor("orders-0") + ", snapshots on " + image + " " + snapshotsOf(id);

        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            ShelterClient client = shelter.client(TOKEN);
            JsonNode backup = client.get("/api/v1/backups/" + id).body();
            // The restart rolls the run back before it serves: the StatefulSet is asked for its one member again.
            String after = Poll.until("PostgreSQL of orders answers after the restart", Duration.ofSeconds(120),
                    () -> orders.queryValue("SELECT string_agg(id::text, ',' ORDER BY id) FROM offline_rows"), rows::equals);
            List<SnapshotRef> left = snapshotsOf(id);
            System.out.printf("offline backup on RBD killed at %s:%s -> at the kill: PostgreSQL running %s; after the restart: "
                            + "state %s, snapshots in Ceph %s, rows %s, failure: %s%n", step, moment, atKill,
                    backup.path("state").asText(), left, after, backup.path("failure").asText());
            assertEquals(outcome, backup.path("state").asText(), backup.toString());
            assertEquals(rows, after);
            if (outcome.equals("failed")) {
                assertEquals(List.of(), left, "no snapshot of the interrupted backup is left on " + image);
                assertTrue(backup.path("failure").asText().contains("Shelter stopped"), backup.toString());
            } else {
                assertEquals(1, left.size(), "the complete backup keeps its snapshot: " + left);
                assertDeleted(client, "/api/v1/backups/" + id);
                assertEquals(List.of(), snapshotsOf(id));
            }
        }
    }

    @ParameterizedTest(name = "a delete killed at DeleteSnapshots:{0} is finished after the restart")
    @ValueSource(strings = {"started", "executed"})
    void aDeleteKilledMidwayIsFinishedAfterTheRestart(String moment) throws Exception {
        run++;
        String id;
        try (ShelterProcess shelter = FrozenShelter.start(config, TOKEN, scratch.resolve("shelter-" + run + "-killed.log"), "DeleteSnapshots", moment)) {
            ShelterClient client = shelter.client(TOKEN);
            ShelterClient.Answer started = client.post("/api/v1/clusters/orders/backups", "{\"mode\":\"online\"}");
            assertEquals(202, started.status(), started.text());
            id = started.body().path("id").asText();
            assertEquals("completed", client.awaitEnd(id).path("state").asText());
            assertEquals(1, snapshotsOf(id).size());
            FrozenShelter.killDeleteAt(shelter, client, id, moment);
        }
        String atKill = "at the kill: snapshots " + snapshotsOf(id);

        try (ShelterProcess shelter = ShelterProcess.start(config, TOKEN, scratch.resolve("shelter-" + run + "-restarted.log"))) {
            JsonNode backup = shelter.client(TOKEN).get("/api/v1/backups/" + id).body();
            System.out.printf("delete killed at DeleteSnapshots:%s -> %s; after the restart: state %s, snapshots %s%n", moment,
                    atKill, backup.path("state").asText(), snapshotsOf(id));
            assertEquals("deleted", backup.path("state").asText(), backup.toString());
            assertEquals(List.of(), snapshotsOf(id), "no snapshot of the deleted backup is left");
        }
    }

    private static void assertDeleted(ShelterClient client, String path) {
        ShelterClient.Answer deleted = client.delete(path);
        assertEquals(200, deleted.status(), deleted.text());
    }

    private int backupSessions(String id) throws Exception {
        return Integer.parseInt(orders.queryValue(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shelter-backup-" + id + "'"));
    }

    private List<SnapshotRef> snapshotsOf(String id) {
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            return rbd.listSnapshots(image).stream().filter(ref -> ref.snapshot().contains(id)).toList();
        }
    }
}
