package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.kubernetes.KubernetesClusterControl;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point-in-time restores of a StatefulSet on the Kubernetes test bed, through the API: the pod's
 * PGDATA is on a real RBD image (rbd-fuse), the rollback is Ceph's, and the recovery files are
 * written by a restore-prepare job that runs Shelter's own jar with the claim mounted (the test
 * kubelet runs the job's command on this machine). The pod's PostgreSQL archives through Shelter.
 * Each restore is compared by its rows with exactly the batches committed up to its target.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesPointInTimeRestoreIT {

    private static final String ADMIN = "kubernetes-pitr-it-admin-token";
    private static final String OPERATOR = "kubernetes-pitr-it-operator-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private ScratchDirectory scratch;
    private PostgresStatefulSet orders;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String firstBackup;
    private String secondBackup;

    KubernetesPointInTimeRestoreIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void writeBatchesAroundTwoBackups() throws Exception {
        bed = KubeTestBed.open(server, ceph, binaries);
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
                objectStore: {kind: filesystem, directory: "%s"}
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                kubernetes:
                  server: "%s"
                  token: "file:%s"
                  certificateAuthorityFile: "%s"
                  shelterImage: "shelter:it"
                  shelterCommand: ["%s", "-jar", "%s"]
                """.formatted(bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(), port, tokenFile,
                scratch.resolve("store"), ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(),
                ceph.config().pool(), server.url(), saToken, server.certificateAuthority(), java, jar));
        shelter = InProcessShelter.startOn(config, ADMIN);
        restores = new RestoresThroughApi(shelter.client(), "orders", RESTORE_TIMEOUT,
                () -> "kubelet: " + bed.kubelet().lastError());

        String archiveCommand = "curl -sSf -X PUT -H \"Authorization: Bearer $(cat " + tokenFile + ")\" -H \"Content-Type: "
                + "application/octet-stream\" --data-binary \"@%p\" http://127.0.0.1:" + port + "/api/v1/clusters/orders/wal/%f";
        orders.execute("ALTER SYSTEM SET archive_command = '" + archiveCommand.replace("'", "''") + "'",
                "ALTER SYSTEM SET track_commit_timestamp = on");
        // track_commit_timestamp needs a restart: the StatefulSet scaled to 0 and back, as an operator would.
        KubernetesClusterControl statefulSet = new KubernetesClusterControl(bed.adminClient(),
                new KubernetesTarget(bed.namespace(), "orders"));
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
    void eachTargetGivesBackExactlyTheBatchesCommittedUpToIt() throws Exception {
        Map<Path, String> archivedBefore = archivedFiles();
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
        Map<Path, String> archivedAfter = archivedFiles();
        archivedBefore.forEach((file, digest) -> assertEquals(digest, archivedAfter.get(file), file + " was never overwritten"));
        assertTrue(new BatchV1Api(bed.adminClient()).listNamespacedJob(bed.namespace()).execute().getItems().isEmpty(),
                "no restore-prepare job is left behind");
    }

    private long restoreAndCompare(String target, int expected, String backup, String backupId) throws Exception {
        JsonNode restore = restores.restore(target, backup, backupId);
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

    /** Every file of the WAL archive with the SHA-256 of its content. */
    private Map<Path, String> archivedFiles() throws Exception {
        Map<Path, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(scratch.resolve("store/wal/orders"))) {
            for (Path file : walk.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".zst")).toList()) {
                files.put(file, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(read(file))));
            }
        }
        assertTrue(!files.isEmpty(), "the archive holds WAL");
        return files;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
