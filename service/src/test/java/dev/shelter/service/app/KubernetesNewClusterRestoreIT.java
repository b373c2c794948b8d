package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Poll;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1Service;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restore into a new cluster in another namespace on the Kubernetes test bed, through the API, with
 * real RBD: a copy of the StatefulSet on clones of the backup's images answers with exactly the
 * target's rows; the source's pods, claims, volumes, images (with their snapshots) and archive are
 * as they were (compared before and after); and tearing it down leaves nothing of it behind.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesNewClusterRestoreIT {

    private static final String ADMIN = "kubernetes-new-cluster-it-admin-token";
    private static final String OPERATOR = "kubernetes-new-cluster-it-operator-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private RestorableStatefulSet statefulSet;
    private KubeTestBed bed;
    private PostgresStatefulSet orders;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private Path store;

    KubernetesNewClusterRestoreIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void writeBatchesAroundABackup() throws Exception {
        statefulSet = RestorableStatefulSet.start(server, ceph, binaries, "shelter-kubernetes-new-cluster-it", OPERATOR);
        bed = statefulSet.bed;
        orders = statefulSet.orders;
        store = statefulSet.store();
        shelter = statefulSet.startShelter(ADMIN, "", "");
        restores = new RestoresThroughApi(shelter.client(), "orders", RESTORE_TIMEOUT, () -> "kubelet: " + bed.kubelet().lastError());
        statefulSet.archiveThroughShelter();
        table = new BatchedTable(orders::connect);
        table.create();
        restores.backUp("before the batches");
        for (int number = 1; number <= 3; number++) {
            table.commitNext();
        }
        // A restore into a new cluster does not switch the source's WAL: the target's segment must be archived already.
        String last = orders.queryValue("SELECT pg_walfile_name(pg_switch_wal())");
        Poll.until("the source's WAL archived through " + last, Duration.ofSeconds(60),
                () -> orders.queryValue("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), archived -> archived.compareTo(last) >= 0);
    }

    @AfterAll
    void stopShelterAndTheTestBed() {
        RestorableStatefulSet.stop(shelter, statefulSet);
    }

    @Test
    void theNewClusterAnswersWithTheTargetsRowsTheSourceIsUntouchedAndTheTeardownLeavesNothing() throws Exception {
        String namespace = bed.openNamespace("look");
        int port = Ports.reserveBlock(4);
        Map<String, String> sourceBefore = sourceState();
        Map<String, String> archiveBefore = archive("wal/orders/");
        List<String> imagesBefore = images();

        ShelterClient client = shelter.client();
        String target = "{\"lsn\": \"" + table.batch(2).lsnAfter() + "\", \"timeline\": 1}";
        ShelterClient.Answer badName = client.post("/api/v1/clusters/orders/restores", "{\"strategy\": \"new-cluster\", \"target\": "
                + target + ", \"newCluster\": {\"namespace\": \"Not_A_Label\"}}");
        assertEquals(400, badName.status(), badName.text());
        ShelterClient.Answer noNamespace = client.post("/api/v1/clusters/orders/restores", "{\"strategy\": \"new-cluster\", \"target\": "
                + target + ", \"newCluster\": {\"namespace\": \"nowhere-" + namespace + "\"}}");
        assertEquals(422, noNamespace.status(), noNamespace.text());
        assertTrue(noNamespace.text().contains("does not exist"), noNamespace.text());
        ShelterClient.Answer sameNamespace = client.post("/api/v1/clusters/orders/restores", "{\"strategy\": \"new-cluster\", "
                + "\"target\": " + target + ", \"newCluster\": {\"namespace\": \"" + bed.namespace() + "\", \"name\": \"orders-look\"}}");
        assertEquals(422, sameNamespace.status(), "the source's selector would take the copy's pods: " + sameNamespace.text());
        assertEquals(sourceBefore, sourceState(), "a refused request changes nothing");
        ShelterClient.Answer started = client.post("/api/v1/clusters/orders/restores", "{\"strategy\": \"new-cluster\", \"target\": "
                + target + ", \"newCluster\": {\"namespace\": \"" + namespace
                + "\", \"name\": \"orders-look\", \"port\": " + port + ", \"host\": \"127.0.0.1\"}}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode restore = Poll.until("restore " + id + " ends", RESTORE_TIMEOUT, () -> client.get("/api/v1/restores/" + id).body(),
                r -> !r.path("state").asText().equals("running"),
                () -> "kubelet: " + bed.kubelet().lastError() + "; new namespace's kubelet: " + bed.kubeletOf(namespace).lastError());
        assertEquals("completed", restore.path("state").asText(), restore.toPrettyString());
        assertEquals("running", restore.path("newCluster").path("state").asText(), restore.toPrettyString());
        assertEquals(namespace, restore.path("newCluster").path("reach").path("namespace").asText(), restore.toPrettyString());

        assertEquals(BatchedTable.upTo(2), rowsOf(port), "exactly the rows committed up to the target, in the new cluster");
        CoreV1Api core = new CoreV1Api(bed.adminClient());
        V1Service service = core.readNamespacedService("orders-look", namespace).execute();
        assertEquals("None", service.getSpec().getClusterIP(), "headless: the pods' DNS names are under it");
        assertEquals(Map.of("app", "orders"), service.getSpec().getSelector());
        assertEquals(port, service.getSpec().getPorts().get(0).getPort());
        assertEquals("orders-look", new AppsV1Api(bed.adminClient()).readNamespacedStatefulSet("orders-look", namespace).execute()
                .getSpec().getServiceName());
        assertEquals(BatchedTable.upTo(3), table.rowsNow(), "the source serves what it served");
        assertEquals(sourceBefore, sourceState(), "the source's pods, claims, volumes and images' snapshots are as they were");
        Map<String, String> archiveAfter = archive("wal/orders/");
        archiveBefore.forEach((key, digest) -> assertEquals(digest, archiveAfter.get(key), "the source's archived " + key));
        assertEquals(List.of(), archiveAfter.keySet().stream().filter(key -> !archiveBefore.containsKey(key) && key.contains(".history"))
                .toList(), "no timeline of the new cluster in the source's archive");
        assertTrue(archive("new-clusters/orders/orders-look/wal/").keySet().stream().anyMatch(k -> k.contains(".history")),
                "the new cluster archives its own timeline into its own archive");

        ShelterClient.Answer deleted = client.delete("/api/v1/restores/" + id + "?confirm=orders-look");
        assertEquals(202, deleted.status(), deleted.text());
        JsonNode removed = Poll.until("the new cluster of " + id + " removed", Duration.ofMinutes(3),
                () -> client.get("/api/v1/restores/" + id).body(), r -> !r.path("newCluster").path("state").asText().equals("removing"));
        assertEquals("removed", removed.path("newCluster").path("state").asText(), removed.toPrettyString());

        AppsV1Api apps = new AppsV1Api(bed.adminClient());
        assertEquals(List.of(), apps.listNamespacedStatefulSet(namespace).execute().getItems(), "no statefulset left");
        assertEquals(List.of(), core.listNamespacedService(namespace).execute().getItems(), "no service left");
        assertEquals(List.of(), core.listNamespacedPod(namespace).execute().getItems(), "no pod left");
        assertEquals(List.of(), core.listNamespacedPersistentVolumeClaim(namespace).execute().getItems(), "no claim left");
        assertEquals(List.of(), core.listPersistentVolume().execute().getItems().stream().filter(pv -> pv.getSpec().getClaimRef() != null
                && namespace.equals(pv.getSpec().getClaimRef().getNamespace())).map(pv -> pv.getMetadata().getName()).toList(),
                "no volume left");
        assertEquals(imagesBefore, images(), "no image left");
        assertEquals(Map.of(), archive("new-clusters/orders/orders-look/"), "no archive left");
        assertEquals(sourceBefore, sourceState(), "the source is as it was after the teardown too");
    }

    /** The source namespace's pods, claims and their volumes (uid and version), and every image of the pool with its snapshots. */
    private Map<String, String> sourceState() throws Exception {
        Map<String, String> state = new TreeMap<>();
        CoreV1Api core = new CoreV1Api(bed.adminClient());
        core.listNamespacedPod(bed.namespace()).labelSelector("!job-name").execute().getItems().forEach(pod -> state.put("pod "
                + pod.getMetadata().getName(), pod.getMetadata().getUid()));
        core.listNamespacedPersistentVolumeClaim(bed.namespace()).execute().getItems().forEach(claim -> state.put("claim "
                + claim.getMetadata().getName(), claim.getMetadata().getUid() + " " + claim.getMetadata().getResourceVersion() + " "
                + claim.getSpec().getVolumeName()));
        for (V1PersistentVolume pv : core.listPersistentVolume().execute().getItems()) {
            if (pv.getSpec().getClaimRef() != null && bed.namespace().equals(pv.getSpec().getClaimRef().getNamespace())) {
                state.put("volume " + pv.getMetadata().getName(), pv.getMetadata().getUid() + " " + pv.getMetadata().getResourceVersion());
            }
        }
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            for (String image : rbd.pool().listImages()) {
                if (!image.startsWith("new-")) {
                    state.put("image " + image, rbd.listSnapshots(image).stream().map(SnapshotRef::snapshot).toList().toString());
                }
            }
        }
        return state;
    }

    private List<String> images() {
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            return rbd.pool().listImages().stream().sorted().toList();
        }
    }

    /** Key to SHA-256 of every object under {@code prefix} of the filesystem object store. */
    private Map<String, String> archive(String prefix) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        Path root = store.resolve(prefix);
        if (!Files.isDirectory(root)) {
            return digests;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                digests.put(prefix + root.relativize(file), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(file))));
            }
        }
        return digests;
    }

    private String rowsOf(int port) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", orders.user(),
                orders.password()); Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                "SELECT coalesce(string_agg(batch || ':' || n, ',' ORDER BY batch), '') FROM "
                        + "(SELECT batch, count(*) AS n FROM pitr GROUP BY batch) b")) {
            r.next();
            return r.getString(1);
        }
    }
}
