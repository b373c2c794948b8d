package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.runbooks.restore.VolumeSwapContract;
import dev.shelter.storage.rbd.RbdImageHandle;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1CSIPersistentVolumeSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimSpec;
import io.kubernetes.client.openapi.models.V1PersistentVolumeSpec;
import io.kubernetes.client.openapi.models.V1VolumeResourceRequirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clone-and-swap contract on Kubernetes with real RBD: a claim bound to a ceph-csi-like volume
 * of an RBD image, swapped by the adapter with the rights of deploy/kubernetes/rbac.yaml only. What
 * a member reads is the first bytes of the image its claim is bound to. Plus the state a crash
 * between the claim's deletion and its re-creation leaves, finished both ways.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesVolumeSwapIT extends VolumeSwapContract {

    private static final int MARKER = 64;

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private RbdSnapshotter rbd;
    private CoreV1Api core;
    private KubernetesVolumeSwap swap;
    private String claim;
    private final List<String> images = new ArrayList<>();

    KubernetesVolumeSwapIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void openTheTestBed() {
        bed = KubeTestBed.open(server, ceph, binaries);
        rbd = RbdSnapshotter.open(ceph.config());
        core = new CoreV1Api(bed.adminClient());
    }

    @AfterAll
    void closeTheTestBed() {
        try {
            if (rbd != null) {
                rbd.close();
            }
        } finally {
            if (bed != null) {
                bed.close();
            }
        }
    }

    /** Each test its own claim (its volume "pgdata" of the spec), so that tests do not meet. */
    @BeforeEach
    void newClaim() {
        claim = "pgdata-swap-" + UUID.randomUUID().toString().substring(0, 8) + "-0";
        swap = new KubernetesVolumeSwap(bed.shelterClient(), bed.namespace(), Map.of("pgdata", claim), rbd);
    }

    /** Clones before their parents; snapshots unprotected first. What a test left is removed here, not by the bed. */
    @AfterEach
    void removeImages() throws Exception {
        for (V1PersistentVolume pv : core.listPersistentVolume().labelSelector("shelter.test/volume-swap=" + claim).execute().getItems()) {
            if (pv.getSpec().getCsi() != null && !images.contains(imageOf(pv))) {
                images.add(imageOf(pv));
            }
        }
        for (int pass = 0; pass < 3; pass++) {
            for (String image : List.copyOf(images)) {
                try {
                    for (SnapshotRef snapshot : rbd.listSnapshots(image)) {
                        rbd.unprotectSnapshot(snapshot);
                        rbd.deleteSnapshot(snapshot);
                    }
                    rbd.removeVolume(image);
                    images.remove(image);
                } catch (RuntimeException e) {
                    // a parent with a clone: the next pass
                }
            }
        }
    }

    @Override
    protected VolumeSwap swap() {
        return swap;
    }

    @Override
    protected VolumeSnapshotter snapshotter() {
        return rbd;
    }

    /** An image with the marker, a volume of it and the claim bound to it, as ceph-csi and the PV controller leave them. */
    @Override
    protected BackupManifest backupOf(String atBackup, String now) throws Exception {
        String id = UUID.randomUUID().toString();
        String image = "csi-vol-" + id;
        rbd.pool().createImage(image, 64L << 20);
        images.add(image);
        write(image, atBackup);
        String pvName = "pvc-" + id;
        core.createPersistentVolume(new V1PersistentVolume().apiVersion("v1").kind("PersistentVolume")
                .metadata(new V1ObjectMeta().name(pvName).putLabelsItem("shelter.test/namespace", bed.namespace())
                        .putLabelsItem("shelter.test/volume-swap", claim))
                .spec(new V1PersistentVolumeSpec().putCapacityItem("storage", Quantity.fromString("64Mi"))
                        .accessModes(List.of("ReadWriteOnce")).persistentVolumeReclaimPolicy("Delete")
                        .claimRef(new V1ObjectReference().namespace(bed.namespace()).name(claim))
                        .csi(new V1CSIPersistentVolumeSource().driver("rbd.csi.ceph.com").volumeHandle("0001-shelter-" + id)
                                .fsType("ext4").putVolumeAttributesItem("clusterID", "shelter-test")
                                .putVolumeAttributesItem("pool", ceph.config().pool()).putVolumeAttributesItem("imageName", image))))
                .execute();
        core.createNamespacedPersistentVolumeClaim(bed.namespace(), new V1PersistentVolumeClaim().apiVersion("v1")
                .kind("PersistentVolumeClaim").metadata(new V1ObjectMeta().name(claim).namespace(bed.namespace())
                        .putLabelsItem("app", "orders"))
                .spec(new V1PersistentVolumeClaimSpec().accessModes(List.of("ReadWriteOnce")).storageClassName("").volumeName(pvName)
                        .resources(new V1VolumeResourceRequirements().putRequestsItem("storage", Quantity.fromString("64Mi")))))
                .execute();
        SnapshotRef ref = rbd.createSnapshot(image, "shelter-20261130T040000Z-abc123");
        write(image, now);
        return BackupManifest.running(new BackupRequest(new BackupId("20261130T040000Z-abc123"), new ClusterName("orders"),
                        BackupMode.ONLINE, "contract", true, Instant.parse("2026-11-30T04:00:00Z")))
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata", ref)));
    }

    /** A claim's, a volume's or an image's marker, by whichever of them has that name; null if none does (or it is being deleted). */
    @Override
    protected String contentOf(String volume) throws Exception {
        try {
            V1PersistentVolumeClaim bound = core.readNamespacedPersistentVolumeClaim(volume, bed.namespace()).execute();
            return bound.getMetadata().getDeletionTimestamp() != null ? null : read(imageOf(pv(bound.getSpec().getVolumeName())));
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        try {
            V1PersistentVolume pv = pv(volume);
            return pv.getMetadata().getDeletionTimestamp() != null ? null : read(imageOf(pv));
        } catch (ApiException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        return rbd.pool().listImages().contains(volume) ? read(volume) : null;
    }

    /** A crash after the claim bound to the original was deleted and before it was created again, bound to the clone. */
    @Test
    void aSwapCutBetweenTheClaimsDeletionAndItsCreationFinishesEitherWay() throws Exception {
        BackupManifest backup = backupOf("at the backup", "later");
        VolumeSwap.Swap planned = swap.swapsFor(backup, "r7").get(0);
        rbd.cloneSnapshot(planned.snapshot().ref(), planned.cloneVolume());
        images.add(0, planned.cloneVolume());
        swap.swapIn(planned);
        deleteClaim(); // the claim gone, the clone's volume recording it: the state the crash leaves

        assertEquals(planned.original(), swap.swapsFor(backup, "r7").get(0).original(), "the original is found without the claim");
        swap.swapIn(planned);
        assertTrue(swap.isSwappedIn(planned));
        assertEquals("at the backup", contentOf(claim));

        deleteClaim();
        swap.swapBack(planned);
        assertEquals("later", contentOf(claim), "swapped back from the same state");
        assertEquals("Delete", pv(planned.original()).getSpec().getPersistentVolumeReclaimPolicy(), "the reclaim policy it had");
        swap.discardClone(planned);
        assertEquals(null, contentOf(planned.cloneVolume()));
    }

    private void deleteClaim() throws Exception {
        core.deleteNamespacedPersistentVolumeClaim(claim, bed.namespace()).execute();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                core.readNamespacedPersistentVolumeClaim(claim, bed.namespace()).execute();
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return;
                }
                throw e;
            }
            assertTrue(System.nanoTime() < deadline, "claim " + claim + " did not go");
            Thread.sleep(100);
        }
    }

    private V1PersistentVolume pv(String name) throws ApiException {
        return core.readPersistentVolume(name).execute();
    }

    private static String imageOf(V1PersistentVolume pv) {
        return pv.getSpec().getCsi().getVolumeAttributes().get("imageName");
    }

    private void write(String image, String marker) {
        byte[] bytes = new byte[MARKER];
        byte[] text = marker.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, bytes, 0, text.length);
        try (RbdImageHandle handle = rbd.pool().openImage(image)) {
            handle.write(0, bytes);
        }
    }

    private String read(String image) {
        try (RbdImageHandle handle = rbd.pool().openImage(image)) {
            return new String(handle.read(0, MARKER), StandardCharsets.UTF_8).replace("\0", "");
        }
    }
}
