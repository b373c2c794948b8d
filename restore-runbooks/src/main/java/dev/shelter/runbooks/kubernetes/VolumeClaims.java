package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.VolumeLocation;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1CSIPersistentVolumeSource;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeSpec;

import java.util.Map;

/** Follows a PersistentVolumeClaim to its PersistentVolume and from there to the RBD image. */
final class VolumeClaims {

    /** ceph-csi's RBD driver; Rook names it {@code <operator namespace>.rbd.csi.ceph.com}. */
    private static final String CEPH_CSI_RBD_DRIVER_SUFFIX = "rbd.csi.ceph.com";

    private final CoreV1Api core;

    VolumeClaims(ApiClient client) {
        this.core = new CoreV1Api(client);
    }

    VolumeLocation locate(String namespace, String claim) {
        V1PersistentVolumeClaim pvc = ApiCall.run("read persistentvolumeclaim " + namespace + "/" + claim,
                () -> core.readNamespacedPersistentVolumeClaim(claim, namespace).execute());
        String volumeName = pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty()) {
            throw new ClusterTargetException(ClusterTargetException.Reason.CONFLICT,
                    "persistentvolumeclaim " + namespace + "/" + claim + " is not bound to a volume yet");
        }
        V1PersistentVolume pv = ApiCall.run("read persistentvolume " + volumeName,
                () -> core.readPersistentVolume(volumeName).execute());
        return rbdImageOf(pv);
    }

    /** From ceph-csi's volume attributes (pool, imageName), or from a static PV's RBD source. */
    static VolumeLocation rbdImageOf(V1PersistentVolume pv) {
        String name = pv.getMetadata().getName();
        V1CSIPersistentVolumeSource csi = pv.getSpec().getCsi();
        if (csi != null && csi.getDriver() != null && csi.getDriver().endsWith(CEPH_CSI_RBD_DRIVER_SUFFIX)) {
            Map<String, String> attributes = csi.getVolumeAttributes() == null ? Map.of() : csi.getVolumeAttributes();
            String pool = attributes.get("pool");
            String image = attributes.get("imageName");
            if (pool == null || image == null) {
                throw new ClusterTargetException(ClusterTargetException.Reason.REFUSED, "persistentvolume " + name
                        + " is a ceph-csi RBD volume without the pool and imageName volume attributes");
            }
            return new VolumeLocation.RbdImage(pool, image);
        }
        if (pv.getSpec().getRbd() != null) {
            String pool = pv.getSpec().getRbd().getPool() == null ? "rbd" : pv.getSpec().getRbd().getPool();
            return new VolumeLocation.RbdImage(pool, pv.getSpec().getRbd().getImage());
        }
        throw new ClusterTargetException(ClusterTargetException.Reason.REFUSED, "persistentvolume " + name
                + " is neither a ceph-csi RBD volume (driver *" + CEPH_CSI_RBD_DRIVER_SUFFIX
                + ") nor an RBD volume: Shelter cannot snapshot it");
    }

    /**
     * A static ceph-csi (or in-tree RBD) volume spec of {@code image}, like {@code like}'s in everything
     * else, pre-bound to {@code namespace/claim}, Retain: Shelter removes the image itself.
     */
    static V1PersistentVolumeSpec staticVolumeOf(ApiClient client, V1PersistentVolume like, String image, String namespace, String claim) {
        V1PersistentVolumeSpec spec = client.getJSON().deserialize(client.getJSON().serialize(like.getSpec()), V1PersistentVolumeSpec.class);
        spec.claimRef(new V1ObjectReference().namespace(namespace).name(claim)).persistentVolumeReclaimPolicy("Retain");
        V1CSIPersistentVolumeSource csi = spec.getCsi();
        if (csi != null) {
            Map<String, String> attributes = new java.util.HashMap<>(csi.getVolumeAttributes() == null ? Map.of() : csi.getVolumeAttributes());
            attributes.put("imageName", image);
            attributes.put("staticVolume", "true"); // ceph-csi: the handle is the image's name, nothing to provision
            csi.volumeHandle(image).volumeAttributes(attributes);
        } else if (spec.getRbd() != null) {
            spec.getRbd().image(image);
        } else {
            throw new IllegalStateException("volume " + like.getMetadata().getName() + " is not an RBD volume");
        }
        return spec;
    }
}
