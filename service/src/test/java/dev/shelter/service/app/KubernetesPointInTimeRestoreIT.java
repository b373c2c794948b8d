package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Poll;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.util.PatchUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point-in-time restores of a StatefulSet on the Kubernetes test bed, through the API: the pod's
 * PGDATA is on a real RBD image (rbd-fuse), the rollback is Ceph's, and the recovery files are
 * written by a restore-prepare job that runs Shelter's own jar with the claim mounted (the test
 * kubelet runs the job's command on this machine). The pod's PostgreSQL archives through Shelter into s3proxy.
 * Each restore is compared by its rows with exactly the batches committed up to its target.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesPointInTimeRestoreIT {

    private static final String ADMIN = "kubernetes-pitr-it-admin-token";
    private static final String OPERATOR = "kubernetes-pitr-it-operator-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private final S3Server s3;
    private String bucket;
    private KubeTestBed bed;
    private ScratchDirectory scratch;
    private PostgresStatefulSet orders;
    /** The StatefulSet as an operator scales it (track_commit_timestamp needs a restart; a claim is replaced). */
    private KubernetesClusterControl statefulSet;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String firstBackup;
    private String secondBackup;
    private int restoresSoFar;

    KubernetesPointInTimeRestoreIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries, S3Server s3) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
        this.s3 = s3;
    }

    @BeforeAll
    void writeBatchesAroundTwoBackups() throws Exception {
        bed = KubeTestBed.open(server, ceph, binaries);
        bucket = s3.createBucket("kubernetes-pitr");
        orders = bed.startPostgres("orders");
        scratch = ScratchDirectory.create("shelter-kubernetes-pitr-it");
        // The pod's PostgreSQL (the postgres OS user) reads the operator token for its archive and restore commands.
        Files.setPosixFilePermissions(scratch.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tokenFile = scratch.resolve("operator-token");
        Files.writeString(tokenFile, OPERATOR + "\n");
        PostgresInstance.chownToServerUser(tokenFile);
        Path saToken = scratch.resolve("sa-token");
        Files.writeString(saToken, bed.shelterToken());
        int port = Ports.reserve();
        Path jar = ShelterProcess.JAR.toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the restore-prepare job runs Shelter's jar, built by package: " + jar);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");

        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(ADMIN), InProcessShelter.operator(OPERATOR))
                .replaceFirst("port: 0", "port: " + port) + """
                clusters:
                  - name: orders
                    target: {kind: kubernetes, namespace: %s, statefulSet: orders, pgdataPath: pgdata}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}]
                    snapshots: {kind: rbd}
                    backups: {walTimeoutSeconds: 120}
                    restore: {walUrl: "http://127.0.0.1:%d", tokenFile: "%s", recoveryTimeoutMinutes: 4}
                %s
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                kubernetes:
                  server: "%s"
                  token: "file:%s"
                  certificateAuthorityFile: "%s"
                  shelterImage: "shelter:it"
                  shelterCommand: ["%s", "-jar", "%s"]
                """.formatted(bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(), port, tokenFile,
                InProcessShelter.s3ObjectStore(s3, bucket, scratch.resolve("s3-secret")), ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(),
                ceph.config().pool(), server.url(), saToken, server.certificateAuthority(), java, jar));
        shelter = InProcessShelter.startOn(config, ADMIN);
        restores = new RestoresThroughApi(shelter.client(), "orders", RESTORE_TIMEOUT,
                () -> "kubelet: " + bed.kubelet().lastError());

        String archiveCommand = "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: "
                + "application/octet-stream\" --data-binary \"@%p\" http://127.0.0.1:" + port + "/api/v1/clusters/orders/wal/%f";
        orders.execute("ALTER SYSTEM SET archive_command = '" + archiveCommand.replace("'", "''") + "'",
                "ALTER SYSTEM SET track_commit_timestamp = on");
        // track_commit_timestamp needs a restart: the StatefulSet scaled to 0 and back, as an operator would.
        statefulSet = new KubernetesClusterControl(bed.adminClient(), new KubernetesTarget(bed.namespace(), "orders"));
        statefulSet.scale(0, Duration.ofMinutes(2));
        statefulSet.scale(1, Duration.ofMinutes(2));
        assertEquals("on", orders.queryValue("SHOW track_commit_timestamp"));

        table = new BatchedTable(orders::connect);
        table.create();
        firstBackup = restores.backUp("first");
        for (int number = 1; number <= 6; number++) {
            table.commitNext();
            if (number == 3) {
                secondBackup = restores.backUp("second");
            }
            if (number % 2 == 0) {
                table.createRestorePoint("after-batch-" + number);
            }
        }
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
            if (bucket != null) {
                s3.deleteBucket(bucket);
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    /**
     * Six targets, one of each kind and both inclusiveness, from both backups; then the latest.
     * Every restore lands on a new, higher timeline, and nothing archived before is ever rewritten.
     */
    @Test
    @Order(1)
    void eachTargetGivesBackExactlyTheBatchesCommittedUpToIt() throws Exception {
        Map<String, String> archivedBefore = archivedObjects();
        List<Long> timelines = new ArrayList<>();
        timelines.add(restoreAndCompare("{\"time\": \"" + table.batch(2).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}",
                2, firstBackup, null));
        timelines.add(restoreAndCompare("{\"time\": \"" + table.batch(5).committedAt() + "\", \"inclusive\": false, \"timeline\": 1}",
                4, secondBackup, null));
        timelines.add(restoreAndCompare("{\"lsn\": \"" + table.batch(4).lsnAfter() + "\", \"inclusive\": false, \"timeline\": 1}",
                4, secondBackup, null));
        timelines.add(restoreAndCompare("{\"xid\": " + table.batch(6).xid() + ", \"inclusive\": false, \"timeline\": 1}",
                5, secondBackup, null));
        timelines.add(restoreAndCompare("{\"name\": \"after-batch-2\", \"timeline\": 1}", 2, firstBackup, firstBackup));
        timelines.add(restoreAndCompare("{\"latest\": true, \"timeline\": 1}", 6, secondBackup, null));

        for (int i = 1; i < timelines.size(); i++) {
            assertTrue(timelines.get(i) > timelines.get(i - 1), "each restore a new, higher timeline: " + timelines);
        }
        Map<String, String> archivedAfter = archivedObjects();
        archivedBefore.forEach((key, etag) -> assertEquals(etag, archivedAfter.get(key), key + " was never overwritten"));
        assertTrue(new BatchV1Api(bed.adminClient()).listNamespacedJob(bed.namespace()).execute().getItems().isEmpty(),
                "no restore-prepare job is left behind");
    }

    /**
     * The claim recreated (a replaced volume): ordinal 0 now mounts a new, empty image, and a rollback
     * of the backed-up image would restore nothing the recovering pod sees. Refused before anything changes.
     */
    @Test
    @Order(2)
    void aBackupOfAnImageTheRecoveringPodNoLongerMountsIsRefused() throws Exception {
        statefulSet.scale(0, Duration.ofMinutes(2));
        // No controller here removes pvc-protection's finalizer once no pod uses the claim: the test does.
        CoreV1Api core = new CoreV1Api(bed.adminClient());
        PatchUtils.patch(V1PersistentVolumeClaim.class, () -> core.patchNamespacedPersistentVolumeClaim("pgdata-orders-0",
                        bed.namespace(), new V1Patch("{\"metadata\":{\"finalizers\":null}}")).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, bed.adminClient());
        core.deleteNamespacedPersistentVolumeClaim("pgdata-orders-0", bed.namespace()).execute();
        Poll.until("claim pgdata-orders-0 gone", Duration.ofSeconds(60), () -> core.listNamespacedPersistentVolumeClaim(bed.namespace())
                .fieldSelector("metadata.name=pgdata-orders-0").execute().getItems(), List::isEmpty);
        statefulSet.scale(1, Duration.ofMinutes(2)); // the test kubelet provisions a new claim, image and PGDATA
        String system = orders.queryValue("SELECT system_identifier::text FROM pg_control_system()");

        ShelterClient.Answer refused = shelter.client().post("/api/v1/clusters/orders/restores",
                "{\"backupId\": \"" + secondBackup + "\", \"confirm\": \"orders\"}");
        assertEquals(422, refused.status(), refused.text());
        assertTrue(refused.body().path("message").asText().contains("but the member that recovers mounts claim pgdata-orders-0, "
                + "bound to csi-vol-"), refused.text());
        assertEquals(system, orders.queryValue("SELECT system_identifier::text FROM pg_control_system()"), "nothing changed");
        assertEquals(0, shelter.client().get("/api/v1/clusters/orders/restores").body().path("restores").size()
                - restoresSoFar, "no restore was begun");
    }

    private long restoreAndCompare(String target, int expected, String backup, String backupId) throws Exception {
        JsonNode restore = restores.restore(target, backup, backupId);
        restoresSoFar++;
        assertEquals(BatchedTable.upTo(expected), table.rowsNow(), "rows after restoring to " + target + " (stopped: "
                + restore.path("recoveryStopped").asText() + ")");
        JsonNode written = stepNamed(restore, "WriteRecoveryFiles");
        assertTrue(written.path("target").asText().contains("claim pgdata-orders-0 (pgdata), by a restore-prepare job of shelter:it"),
                written.toPrettyString());
        return restore.path("promotedTimeline").asLong();
    }

    private static JsonNode stepNamed(JsonNode restore, String name) {
        for (JsonNode step : restore.path("steps")) {
            if (step.path("name").asText().equals(name)) {
                return step;
            }
        }
        throw new AssertionError("no step " + name + " in " + restore.toPrettyString());
    }

    /** Every archived WAL file in the bucket with its ETag (the MD5 of what was stored). */
    private Map<String, String> archivedObjects() {
        try (S3Client client = s3.newClient()) {
            Map<String, String> objects = new TreeMap<>();
            client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("wal/orders/")).contents()
                    .stream().filter(o -> o.key().endsWith(".zst")).forEach(o -> objects.put(o.key(), o.eTag()));
            assertTrue(!objects.isEmpty(), "the archive holds WAL");
            return objects;
        }
    }
}
