package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.runbooks.restore.SnapshotRollback;
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
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An offline backup of a cluster configured as {@code kind: kubernetes}, end to end on the test
 * bed: Shelter (as its ServiceAccount) scales the StatefulSet to zero, reads the stopped primary's
 * pg_control through a volume job, snapshots the RBD image behind the primary's claim and scales
 * the StatefulSet back. Then the seed's rollback of that snapshot gives back exactly the rows
 * written before the backup, and none written after it.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesOfflineBackupIT {

    private static final String TOKEN = "kubernetes-offline-backup-it-admin-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private PostgresStatefulSet db;
    private ScratchDirectory scratch;
    private InProcessShelter shelter;
    private ShelterClient client;

    KubernetesOfflineBackupIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void startAStatefulSetAndShelter() throws Exception {
        bed = KubeTestBed.open(server, ceph, binaries);
        db = bed.startPostgres("ledger");

        scratch = ScratchDirectory.create("shelter-kubernetes-offline-backup-it");
        Path token = scratch.resolve("sa-token");
        Files.writeString(token, bed.shelterToken());
        Path config = scratch.resolve("shelter.yml");
        // The test bed's pods keep PGDATA in "pgdata" inside their claim (TestKubelet), not where Spilo does.
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                clusters:
                  - name: ledger
                    target: {kind: kubernetes, namespace: %s, statefulSet: ledger, pgdataPath: pgdata}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                objectStore: {kind: filesystem, directory: "%s"}
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                kubernetes: {server: "%s", token: "file:%s", certificateAuthorityFile: "%s"}
                """.formatted(bed.namespace(), db.jdbcUrl(), db.user(), db.password(), bed.kubelet().archiveDirectoryOf("ledger-0"),
                scratch.resolve("store"), ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(),
                ceph.config().pool(), server.url(), token, server.certificateAuthority()));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stopShelterAndTheTestBed() {
        try {
            if (shelter != null) {
                shelter.close();
            }
        } finally {
            if (bed != null) {
                bed.close();
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void anOfflineBackupCompletesAndItsRollbackGivesBackExactlyTheRowsWrittenBeforeIt() throws Exception {
        db.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, payload text NOT NULL)",
                "INSERT INTO ledger SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
        String before = digest();
        String system = db.queryValue("SELECT system_identifier::text FROM pg_control_system()");

        ShelterClient.Answer started = client.post("/api/v1/clusters/ledger/backups",
                "{\"mode\":\"offline\",\"confirm\":\"ledger\",\"label\":\"offline on kubernetes\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode backup = client.awaitBackup(id, b -> !"running".equals(b.path("state").asText()), Duration.ofSeconds(300));
        assertEquals("completed", backup.path("state").asText(), backup.toString());
        assertEquals("offline", backup.path("mode").asText());

        // The snapshot is of the RBD image the primary's claim is bound to.
        CoreV1Api admin = new CoreV1Api(bed.adminClient());
        String pv = admin.readNamespacedPersistentVolumeClaim("pgdata-ledger-0", bed.namespace()).execute().getSpec().getVolumeName();
        String image = admin.readPersistentVolume(pv).execute().getSpec().getCsi().getVolumeAttributes().get("imageName");
        assertTrue(image.startsWith("csi-vol-"), image);
        assertEquals(1, backup.path("snapshots").size(), backup.toString());
        JsonNode snapshot = backup.path("snapshots").get(0);
        assertEquals("pgdata", snapshot.path("role").asText(), backup.toString());
        assertEquals(image, snapshot.path("volume").asText(), backup.toString());
        SnapshotRef taken = new SnapshotRef(image, snapshot.path("snapshot").asText());

        // PostgreSQL answers again, started from the clean shutdown: its latest checkpoint is the
        // shutdown checkpoint the manifest's window is at, read by the volume job from pg_control.
        assertEquals(system, backup.path("systemIdentifier").asText(), backup.toString());
        assertEquals(backup.path("startLsn").asText(), backup.path("stopLsn").asText(), backup.toString());
        assertEquals(db.queryValue("SELECT checkpoint_lsn::text FROM pg_control_checkpoint()"), backup.path("stopLsn").asText(),
                "the window is at the shutdown checkpoint: " + backup);
        assertEquals(db.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()"), backup.path("timeline").asText());
        assertEquals("", backup.path("labelFile").asText(""), "an offline backup has no backup_label: " + backup);
        assertEquals(before, digest());
        assertEquals(1, admin.listNamespacedPod(bed.namespace()).labelSelector("app=ledger").execute().getItems().size());
        assertEquals(List.of(), new BatchV1Api(bed.adminClient()).listNamespacedJob(bed.namespace()).execute().getItems().stream()
                .map(job -> job.getMetadata().getName()).toList(), "the job that read pg_control was not deleted");
        List<CoreV1Event> events = Poll.until("a BackupCompleted event for " + id, Duration.ofSeconds(60),
                () -> admin.listNamespacedEvent(bed.namespace()).execute().getItems().stream()
                        .filter(e -> "BackupCompleted".equals(e.getReason()) && e.getMessage().contains(id)).toList(),
                found -> !found.isEmpty());
        assertTrue(events.get(0).getMessage().contains("(offline) completed: 1 snapshot(s), consistent at "
                + backup.path("stopLsn").asText()), events.get(0).getMessage());

        // Written after the backup: the rollback must take all of it away.
        db.execute("INSERT INTO ledger SELECT g, 'after' FROM generate_series(20001, 25000) g",
                "UPDATE ledger SET payload = 'changed' WHERE id % 7 = 0",
                "DELETE FROM ledger WHERE id % 11 = 0",
                "CREATE TABLE later (id int)");
        assertNotEquals(before, digest());

        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            KubernetesClusterControl cluster = new KubernetesClusterControl(bed.shelterClient(),
                    new KubernetesTarget(bed.namespace(), "ledger"));
            assertEquals(1, new SnapshotRollback(cluster, rbd, TIMEOUT).rollBack(List.of(taken)));
        }

        assertEquals(before, digest(), "the rows are those written before the backup");
        assertEquals("20000", db.queryValue("SELECT count(*) FROM ledger"));
        assertEquals("0", db.queryValue("SELECT count(*) FROM ledger WHERE payload IN ('after', 'changed')"));
        assertEquals("0", db.queryValue("SELECT count(*) FROM pg_class WHERE relname = 'later'"));
        assertEquals(system, db.queryValue("SELECT system_identifier::text FROM pg_control_system()"));
    }

    private String digest() throws SQLException {
        return db.queryValue("SELECT md5(string_agg(id || ':' || payload, ',' ORDER BY id)) FROM ledger");
    }
}
