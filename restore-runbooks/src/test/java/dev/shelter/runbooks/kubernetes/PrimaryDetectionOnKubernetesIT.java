package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.BackupSetLocator;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.cluster.MemberRole;
import dev.shelter.runbooks.cluster.PrimaryMemberVolumes;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.cluster.VolumeSpec;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Ports;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.PatchUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Which member is backed up when a StatefulSet has several pods: the one the HA manager labels as
 * primary ({@code spilo-role}, or {@code role} on older images), followed through its own claim and
 * PersistentVolume to its RBD image; never a replica's image, never a guess. On the real API server
 * of the test bed, as Shelter's ServiceAccount; two pods, each a real PostgreSQL on its own image.
 * The test plays Patroni: it sets the labels, as Patroni does after a failover.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrimaryDetectionOnKubernetesIT {

    private static final String STATEFUL_SET = "pgha";
    private static final List<VolumeSpec> BACKUP_SET = List.of(new VolumeSpec(VolumeRole.PGDATA, null, "pgdata"));

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private KubernetesClusterControl control;
    private BackupSetLocator locator;

    PrimaryDetectionOnKubernetesIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void startAStatefulSetOfTwo() throws Exception {
        bed = KubeTestBed.open(server, ceph, binaries);
        // Pod n listens on base + n: both ports held for this JVM, below the ephemeral range, where
        // an outgoing connection can take a port found free a moment ago (it did: pgha-1 could not bind).
        bed.createPostgresStatefulSet(STATEFUL_SET, 2, Ports.reserveBlock(2), "pw-" + UUID.randomUUID());
        control = new KubernetesClusterControl(bed.shelterClient(), new KubernetesTarget(bed.namespace(), STATEFUL_SET));
        locator = new PrimaryMemberVolumes(control);
        Instant deadline = Instant.now().plusSeconds(300); // two initdb on two RBD images, on 2 busy cores
        while (control.members().stream().filter(Member::ready).count() < 2) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("two ready pods not seen in 300 s: " + control.members() + "; kubelet: "
                        + bed.kubelet().lastError());
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    void removeTheTestBed() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void withoutRoleLabelsNoneOfSeveralPodsIsTakenForThePrimary() throws Exception {
        label(Map.of(), Map.of());

        assertEquals(Map.of("pgha-0", MemberRole.UNKNOWN, "pgha-1", MemberRole.UNKNOWN), roles());
        ClusterTargetException refused = assertThrows(ClusterTargetException.class, () -> locator.locate(BACKUP_SET));
        assertEquals(ClusterTargetException.Reason.NOT_FOUND, refused.reason());
        assertEquals("no member is known to be the primary (members: [pgha-0, pgha-1])", refused.getMessage());
    }

    @Test
    void theBackupSetIsThePodLabelledPrimaryAndFollowsTheLabelAcrossAFailover() throws Exception {
        label(Map.of("spilo-role", "replica"), Map.of("spilo-role", "master"));
        assertEquals(Map.of("pgha-0", MemberRole.REPLICA, "pgha-1", MemberRole.PRIMARY), roles());
        String imageOfPod1 = imageOfClaim("pgdata-pgha-1");
        assertEquals(List.of(imageOfPod1), locator.locate(BACKUP_SET));

        label(Map.of("spilo-role", "master"), Map.of("spilo-role", "replica")); // Patroni after a failover
        assertEquals(Map.of("pgha-0", MemberRole.PRIMARY, "pgha-1", MemberRole.REPLICA), roles());
        String imageOfPod0 = imageOfClaim("pgdata-pgha-0");
        assertEquals(List.of(imageOfPod0), locator.locate(BACKUP_SET));
        assertNotEquals(imageOfPod0, imageOfPod1);
    }

    @Test
    void theOlderRoleLabelIsReadToo() throws Exception {
        label(Map.of("role", "replica"), Map.of("role", "master"));

        assertEquals(Map.of("pgha-0", MemberRole.REPLICA, "pgha-1", MemberRole.PRIMARY), roles());
        assertEquals(List.of(imageOfClaim("pgdata-pgha-1")), locator.locate(BACKUP_SET));
    }

    @Test
    void twoPodsLabelledPrimaryAreAConflictNotAChoice() throws Exception {
        label(Map.of("spilo-role", "master"), Map.of("role", "master"));

        ClusterTargetException refused = assertThrows(ClusterTargetException.class, () -> locator.locate(BACKUP_SET));
        assertEquals(ClusterTargetException.Reason.CONFLICT, refused.reason());
        assertEquals("more than one member claims to be the primary: [pgha-0, pgha-1]", refused.getMessage());
    }

    private Map<String, MemberRole> roles() {
        return control.members().stream().collect(Collectors.toMap(Member::name, Member::role));
    }

    /** Sets the role labels of both pods, as the admin; labels not named are removed. */
    private void label(Map<String, String> pod0, Map<String, String> pod1) throws ApiException {
        setRoleLabels("pgha-0", pod0);
        setRoleLabels("pgha-1", pod1);
    }

    private void setRoleLabels(String pod, Map<String, String> labels) throws ApiException {
        String value = "{\"metadata\":{\"labels\":{\"spilo-role\":%s,\"role\":%s}}}".formatted(
                quoted(labels.get("spilo-role")), quoted(labels.get("role")));
        CoreV1Api core = new CoreV1Api(bed.adminClient());
        PatchUtils.patch(V1Pod.class, () -> core.patchNamespacedPod(pod, bed.namespace(), new V1Patch(value)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, bed.adminClient());
    }

    private static String quoted(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }

    /** The RBD image behind a claim, read from its PersistentVolume as the provisioner wrote it. */
    private String imageOfClaim(String claim) throws ApiException {
        CoreV1Api core = new CoreV1Api(bed.adminClient());
        String pv = core.readNamespacedPersistentVolumeClaim(claim, bed.namespace()).execute().getSpec().getVolumeName();
        return core.readPersistentVolume(pv).execute().getSpec().getCsi().getVolumeAttributes().get("imageName");
    }
}
