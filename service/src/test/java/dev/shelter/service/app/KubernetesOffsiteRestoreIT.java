package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Disaster recovery on the Kubernetes test bed with real RBD: a backup of the StatefulSet is copied
 * off site (encrypted), more batches are committed and archived, then the RBD image ordinal 0 runs
 * on is deleted with every snapshot on it. A restore to a point in time, asked without a strategy,
 * rebuilds the image from the copy into a new one, swaps it in under the same claim and replays the
 * archived WAL: the pod serves exactly the batches committed up to the target.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesOffsiteRestoreIT {

    private static final String ADMIN = "kubernetes-offsite-restore-it-admin-token";
    private static final String OPERATOR = "kubernetes-offsite-restore-it-operator-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);
    private static final String CLAIM = "pgdata-orders-0";

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private RestorableStatefulSet statefulSet;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String backup;
    private CoreV1Api core;

    KubernetesOffsiteRestoreIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void exportABackupAndCommitBatchesAfterIt() throws Exception {
        statefulSet = RestorableStatefulSet.start(server, ceph, binaries, "shelter-kubernetes-offsite-restore-it", OPERATOR);
        core = new CoreV1Api(statefulSet.bed.adminClient());
        byte[] key = new byte[32];
        new Random(23).nextBytes(key);
        Path keyFile = Files.writeString(statefulSet.scratch.resolve("master.key"), Base64.getEncoder().encodeToString(key));
        shelter = statefulSet.startShelter(ADMIN, "keepOriginalsSeconds: 30",
                "offsite: {masterKeyFile: \"" + keyFile + "\", parallelFetches: 2}\n");
        restores = new RestoresThroughApi(shelter.client(), "orders", RESTORE_TIMEOUT, () -> "kubelet: " + statefulSet.bed.kubelet().lastError());
        statefulSet.archiveThroughShelter();

        table = new BatchedTable(statefulSet.orders::connect);
        table.create();
        table.commitNext();
        backup = restores.backUp("before the loss");
        ShelterClient.Answer export = shelter.client().postWhenFree("/api/v1/backups/" + backup + "/export", "");
        assertEquals(202, export.status(), export.text());
        JsonNode copy = Poll.until("backup " + backup + " has its copy", Duration.ofMinutes(3),
                () -> shelter.client().get("/api/v1/backups/" + backup).body().path("offsite"),
                offsite -> offsite.path("state").asText().equals("exported"));
        System.out.printf("copy of %s: %s%n", backup, copy);
        for (int number = 2; number <= 4; number++) {
            table.commitNext();
        }
    }

    @AfterAll
    void stopShelterAndTheTestBed() {
        RestorableStatefulSet.stop(shelter, statefulSet);
    }

    @Test
    void withTheImageAndItsSnapshotsDeletedAPointInTimeRestoreComesBackFromTheCopy() throws Exception {
        String last = statefulSet.orders.queryValue("SELECT pg_walfile_name(pg_switch_wal())");
        Poll.until("WAL through " + last + " is archived", Duration.ofMinutes(2),
                () -> statefulSet.orders.queryValue("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"),
                archived -> archived.compareTo(last) >= 0);
        String lost = imageOf(boundVolume());
        new KubernetesClusterControl(statefulSet.bed.adminClient(), new KubernetesTarget(statefulSet.bed.namespace(), "orders"))
                .scale(0, Duration.ofMinutes(2));
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            for (SnapshotRef snapshot : rbd.listSnapshots(lost)) {
                rbd.unprotectSnapshot(snapshot);
                rbd.deleteSnapshot(snapshot);
            }
            rbd.removeVolume(lost);
            assertFalse(rbd.pool().listImages().contains(lost), lost + " is deleted");
        }
        String target = "{\"time\": \"" + table.batch(3).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}";

        ShelterClient.Answer preview = shelter.client().post("/api/v1/clusters/orders/restores", "{\"target\": " + target
                + ", \"dryRun\": true}");
        assertEquals(200, preview.status(), preview.text());
        assertEquals("from-object-store", preview.body().path("strategy").asText(), preview.text());
        assertEquals(backup, preview.body().path("backupId").asText());

        ShelterClient.Answer started = shelter.client().post("/api/v1/clusters/orders/restores", "{\"target\": " + target
                + ", \"confirm\": \"orders\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode restore = Poll.until("restore " + id + " ends", RESTORE_TIMEOUT, () -> shelter.client().get("/api/v1/restores/" + id).body(),
                r -> !r.path("state").asText().equals("running"), () -> "kubelet: " + statefulSet.bed.kubelet().lastError());

        assertEquals("completed", restore.path("state").asText(), restore.toPrettyString());
        assertEquals("from-object-store", restore.path("strategy").asText());
        assertEquals(BatchedTable.upTo(3), table.rowsNow(), "exactly the batches committed up to the target");
        String rebuilt = imageOf(boundVolume());
        assertTrue(rebuilt.startsWith(CLAIM + "-r"), "the pod runs on the rebuilt image: " + rebuilt);
        restores.awaitFreshBackupAfter(id);
        System.out.printf("restore from the object store onto %s: %s; rto %s%n", rebuilt, table.rowsNow(), restore.path("rto"));
    }

    private String boundVolume() throws Exception {
        return core.readNamespacedPersistentVolumeClaim(CLAIM, statefulSet.bed.namespace()).execute().getSpec().getVolumeName();
    }

    private String imageOf(String volume) throws Exception {
        return core.readPersistentVolume(volume).execute().getSpec().getCsi().getVolumeAttributes().get("imageName");
    }
}
