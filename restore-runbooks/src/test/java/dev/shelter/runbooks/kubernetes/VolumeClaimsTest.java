package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.VolumeLocation;
import io.kubernetes.client.openapi.models.V1CSIPersistentVolumeSource;
import io.kubernetes.client.openapi.models.V1HostPathVolumeSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeSpec;
import io.kubernetes.client.openapi.models.V1RBDPersistentVolumeSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PV → RBD image, for the shapes a Rook cluster has: ceph-csi volumes and static RBD volumes. */
class VolumeClaimsTest {

    @Test
    void aCephCsiVolumeNamesItsPoolAndImageInItsAttributes() {
        V1PersistentVolume pv = pv(new V1PersistentVolumeSpec().csi(new V1CSIPersistentVolumeSource()
                .driver("rook-ceph.rbd.csi.ceph.com").volumeHandle("0001-0009-rook-ceph-0000000000000002-5f1e")
                .putVolumeAttributesItem("clusterID", "rook-ceph").putVolumeAttributesItem("pool", "replicapool")
                .putVolumeAttributesItem("imageName", "csi-vol-5f1e")));
        assertEquals(new VolumeLocation.RbdImage("replicapool", "csi-vol-5f1e"), VolumeClaims.rbdImageOf(pv));
    }

    @Test
    void aStaticRbdVolumeNamesThemInItsSourceAndDefaultsThePoolToRbd() {
        assertEquals(new VolumeLocation.RbdImage("fast", "pg-data-0"), VolumeClaims.rbdImageOf(pv(new V1PersistentVolumeSpec()
                .rbd(new V1RBDPersistentVolumeSource().monitors(List.of("10.0.0.1:6789")).pool("fast").image("pg-data-0")))));
        assertEquals(new VolumeLocation.RbdImage("rbd", "legacy"), VolumeClaims.rbdImageOf(pv(new V1PersistentVolumeSpec()
                .rbd(new V1RBDPersistentVolumeSource().monitors(List.of("10.0.0.1:6789")).image("legacy")))));
    }

    @Test
    void aVolumeShelterCannotSnapshotIsRefusedByName() {
        ClusterTargetException hostPath = assertThrows(ClusterTargetException.class, () -> VolumeClaims.rbdImageOf(
                pv(new V1PersistentVolumeSpec().hostPath(new V1HostPathVolumeSource().path("/data")))));
        assertEquals(ClusterTargetException.Reason.REFUSED, hostPath.reason());
        assertTrue(hostPath.getMessage().startsWith("persistentvolume pv-1 is neither a ceph-csi RBD volume"),
                hostPath.getMessage());

        ClusterTargetException otherCsi = assertThrows(ClusterTargetException.class, () -> VolumeClaims.rbdImageOf(
                pv(new V1PersistentVolumeSpec().csi(new V1CSIPersistentVolumeSource().driver("ebs.csi.aws.com")
                        .volumeHandle("vol-1")))));
        assertEquals(ClusterTargetException.Reason.REFUSED, otherCsi.reason());

        ClusterTargetException noAttributes = assertThrows(ClusterTargetException.class, () -> VolumeClaims.rbdImageOf(
                pv(new V1PersistentVolumeSpec().csi(new V1CSIPersistentVolumeSource().driver("rbd.csi.ceph.com")
                        .volumeHandle("h")))));
        assertTrue(noAttributes.getMessage().contains("without the pool and imageName"), noAttributes.getMessage());
    }

    private static V1PersistentVolume pv(V1PersistentVolumeSpec spec) {
        return new V1PersistentVolume().metadata(new V1ObjectMeta().name("pv-1")).spec(spec);
    }
}
