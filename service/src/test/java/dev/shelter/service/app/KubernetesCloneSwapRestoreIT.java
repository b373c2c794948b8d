package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.storage.rbd.RbdImageHandle;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clone-and-swap restores of a StatefulSet on the Kubernetes test bed, through the API, with real
 * RBD: each snapshot is cloned into a new image, ordinal 0's claim is rebound to a volume of the
 * clone while the StatefulSet is at zero, and the pod the test kubelet starts mounts the clone.
 * Each restore is compared by its rows; the image the claim was bound to before is kept, its bytes
 * unchanged (SHA-256 of the whole image), until restore.keepOriginalsSeconds has passed, and its
 * volume is removed after. A restore whose check fails is swapped back: the claim is bound to the
 * volume it had, the pod serves the rows it served, and the clone is gone.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesCloneSwapRestoreIT {

    private static final String ADMIN = "kubernetes-clone-swap-it-admin-token";
    private static final String OPERATOR = "kubernetes-clone-swap-it-operator-token";
    private static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(5);
    private static final long KEEP_SECONDS = 60;
    private static final String CHECK = "SELECT count(*) = 0 FROM poison";
    private static final String CLAIM = "pgdata-orders-0";

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private RestorableStatefulSet statefulSet;
    private KubeTestBed bed;
    private PostgresStatefulSet orders;
    private InProcessShelter shelter;
    private RestoresThroughApi restores;
    private BatchedTable table;
    private String firstBackup;
    private String secondBackup;
    private CoreV1Api core;
    /** Each kept original volume: its image, the image's digest right after its restore, and until when it is kept. */
    private final Map<String, Kept> kept = new LinkedHashMap<>();

    private record Kept(String image, String digest, Instant until) {
    }

    KubernetesCloneSwapRestoreIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void writeBatchesAroundTwoBackups() throws Exception {
        statefulSet = RestorableStatefulSet.start(server, ceph, binaries, "shelter-kubernetes-clone-swap-it", OPERATOR);
        bed = statefulSet.bed;
        orders = statefulSet.orders;
        core = new CoreV1Api(bed.adminClient());
        shelter = statefulSet.startShelter(ADMIN, "keepOriginalsSeconds: " + KEEP_SECONDS + ", checks: [\"" + CHECK + "\"]", "");
        restores = new RestoresThroughApi(shelter.client(), "orders", RESTORE_TIMEOUT,
                () -> "kubelet: " + bed.kubelet().lastError()).withStrategy("clone-swap");
        statefulSet.archiveThroughShelter();

        table = new BatchedTable(orders::connect);
        table.create();
        orders.execute("CREATE TABLE poison (id int)");
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
        orders.execute("INSERT INTO poison VALUES (1)");
    }

    @AfterAll
    void stopShelterAndTheTestBed() {
        RestorableStatefulSet.stop(shelter, statefulSet);
    }

    /** Five targets, each kind and both inclusiveness, from both backups, each a clone of a snapshot swapped in. */
    @Test
    @Order(1)
    void eachTargetGivesBackExactlyItsBatchesOnAClone() throws Exception {
        restoreAndCompare("{\"time\": \"" + table.batch(2).committedAt() + "\", \"inclusive\": true, \"timeline\": 1}", 2, firstBackup,
                null);
        restoreAndCompare("{\"time\": \"" + table.batch(5).committedAt() + "\", \"inclusive\": false, \"timeline\": 1}", 4, secondBackup,
                null);
        restoreAndCompare("{\"lsn\": \"" + table.batch(4).lsnAfter() + "\", \"timeline\": 1}", 4, secondBackup, null);
        restoreAndCompare("{\"xid\": " + table.batch(6).xid() + ", \"inclusive\": false, \"timeline\": 1}", 5, secondBackup, null);
        restoreAndCompare("{\"name\": \"after-batch-2\", \"timeline\": 1}", 2, firstBackup, firstBackup);
        assertTrue(new BatchV1Api(bed.adminClient()).listNamespacedJob(bed.namespace()).execute().getItems().isEmpty(),
                "no restore-prepare job is left behind");
    }

    private void restoreAndCompare(String target, int batches, String expectedBackup, String backupId) throws Exception {
        String volumeBefore = boundVolume();
        String imageBefore = imageOf(volumeBefore);
        JsonNode restore = restores.restore(target, expectedBackup, backupId);
        assertEquals(BatchedTable.upTo(batches), table.rowsNow(), "rows after the clone-and-swap restore to " + target);
        List<String> keptOriginals = new java.util.ArrayList<>();
        restore.path("keptOriginals").forEach(original -> keptOriginals.add(original.asText()));
        assertEquals(List.of(volumeBefore), keptOriginals, restore.toPrettyString());
        String volumeAfter = boundVolume();
        assertNotEquals(volumeBefore, volumeAfter, "the claim is bound to the clone's volume");
        assertTrue(imageOf(volumeAfter).startsWith(CLAIM + "-r"), "the pod runs on the clone: " + imageOf(volumeAfter));
        Instant until = Instant.parse(restore.path("originalsKeptUntil").asText());
        kept.put(volumeBefore, new Kept(imageBefore, digestOf(imageBefore), until));
        System.out.printf("clone-swap restore to %s: %s on %s; kept %s (%s) until %s; rto %s%n", target, table.rowsNow(),
                imageOf(volumeAfter), volumeBefore, imageBefore, until, restore.path("rto"));
    }

    @Test
    @Order(2)
    void aRestoreThatFailsItsCheckIsSwappedBack() throws Exception {
        String rowsBefore = table.rowsNow();
        String volumeBefore = boundVolume();
        String timelineBefore = orders.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()");

        ShelterClient.Answer started = shelter.client().post("/api/v1/clusters/orders/restores",
                "{\"strategy\": \"clone-swap\", \"target\": {\"latest\": true, \"timeline\": 1}, \"confirm\": \"orders\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode restore = Poll.until("restore " + id + " ends", RESTORE_TIMEOUT,
                () -> shelter.client().get("/api/v1/restores/" + id).body(), r -> !r.path("state").asText().equals("running"),
                () -> "kubelet: " + bed.kubelet().lastError());

        assertEquals("rolled-back", restore.path("state").asText(), restore.toPrettyString());
        assertTrue(restore.path("failure").asText().contains("fails the check '" + CHECK + "'"), restore.toPrettyString());
        assertEquals(volumeBefore, boundVolume(), "the claim is bound to its volume again");
        assertEquals(rowsBefore, table.rowsNow(), "the pod serves the rows it served before");
        assertEquals(timelineBefore, orders.queryValue("SELECT timeline_id::text FROM pg_control_checkpoint()"));
        String cloneImage = restore.path("steps").get(3).path("target").asText().replaceAll(".* -> ", "");
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            assertTrue(rbd.pool().listImages().stream().noneMatch(image -> image.equals(cloneImage)), cloneImage + " is gone");
        }
        assertTrue(cloneImage.startsWith(CLAIM + "-r"), cloneImage);
        assertTrue(core.listPersistentVolume().execute().getItems().stream().noneMatch(pv -> pv.getSpec().getCsi() != null
                && cloneImage.equals(pv.getSpec().getCsi().getVolumeAttributes().get("imageName"))), "the clone's volume is gone");
    }

    @Test
    @Order(3)
    void theOriginalsStayUnchangedUntilTheirTimeAndTheirVolumesGoAfterIt() throws Exception {
        assertEquals(5, kept.size());
        for (Map.Entry<String, Kept> entry : kept.entrySet()) {
            if (Instant.now().plusSeconds(10).isBefore(entry.getValue().until())) {
                assertTrue(volumeExists(entry.getKey()), entry.getKey() + " is kept until " + entry.getValue().until());
                assertEquals(entry.getValue().digest(), digestOf(entry.getValue().image()), entry.getValue().image() + " is unchanged");
            }
        }
        Instant lastUntil = kept.values().stream().map(Kept::until).max(Instant::compareTo).orElseThrow();
        Poll.until("every kept volume removed after its time", Duration.between(Instant.now(), lastUntil).plusSeconds(60), () -> {
            for (Map.Entry<String, Kept> entry : kept.entrySet()) {
                assertTrue(volumeExists(entry.getKey()) || !Instant.now().isBefore(entry.getValue().until()),
                        entry.getKey() + " was removed before " + entry.getValue().until());
            }
            return kept.keySet().stream().noneMatch(this::volumeExists);
        }, gone -> gone);
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            List<String> images = rbd.pool().listImages();
            for (Kept original : kept.values()) {
                // An image with backups' snapshots stays restorable; one without goes with its volume.
                boolean holdsBackups = images.contains(original.image()) && !rbd.listSnapshots(original.image()).isEmpty();
                assertEquals(holdsBackups, images.contains(original.image()), original.image() + " in " + images);
            }
        }
    }

    private String boundVolume() throws Exception {
        return core.readNamespacedPersistentVolumeClaim(CLAIM, bed.namespace()).execute().getSpec().getVolumeName();
    }

    private String imageOf(String volume) throws Exception {
        V1PersistentVolume pv = core.readPersistentVolume(volume).execute();
        return pv.getSpec().getCsi().getVolumeAttributes().get("imageName");
    }

    private boolean volumeExists(String volume) {
        try {
            core.readPersistentVolume(volume).execute();
            return true;
        } catch (io.kubernetes.client.openapi.ApiException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw new IllegalStateException(e.getResponseBody(), e);
        }
    }

    /** SHA-256 of every byte of the image, read through librbd. */
    private String digestOf(String image) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config()); RbdImageHandle handle = rbd.pool().openImage(image)) {
            long size = handle.sizeBytes();
            int chunk = 4 << 20;
            for (long offset = 0; offset < size; offset += chunk) {
                digest.update(handle.read(offset, (int) Math.min(chunk, size - offset)));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
