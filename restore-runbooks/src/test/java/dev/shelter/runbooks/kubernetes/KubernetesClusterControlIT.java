package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterControl;
import dev.shelter.runbooks.cluster.ClusterControlContract;
import dev.shelter.runbooks.cluster.ClusterEvent;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.cluster.MemberVolume;
import dev.shelter.runbooks.cluster.NodeMaintenance;
import dev.shelter.runbooks.cluster.VolumeJobs;
import dev.shelter.runbooks.cluster.VolumeLocation;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes adapter against a real kube-apiserver 1.20, authenticated as Shelter's
 * ServiceAccount with only the rights of deploy/kubernetes/rbac.yaml. The test kubelet runs each
 * pod as a real PostgreSQL on its own RBD image, so "scaled to zero" and "ready" mean what they say.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesClusterControlIT extends ClusterControlContract {

    private static final String STATEFUL_SET = "pg";

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private KubernetesClusterControl control;
    private PostgresStatefulSet postgres;

    KubernetesClusterControlIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void startAStatefulSetOfOne() {
        bed = KubeTestBed.open(server, ceph, binaries);
        postgres = bed.startPostgres(STATEFUL_SET);
        control = new KubernetesClusterControl(bed.shelterClient(), new KubernetesTarget(bed.namespace(), STATEFUL_SET),
                new KubernetesClusterControl.Settings("pgdata", Optional.empty()));
    }

    @AfterAll
    void removeTheTestBed() {
        if (bed != null) {
            bed.close();
        }
    }

    @Override
    protected ClusterControl control() {
        return control;
    }

    @Override
    protected Connection connect() throws SQLException {
        return postgres.connect();
    }

    /** Nothing mounted for the pod any more, and Ceph lets a snapshot roll back: no client holds the image. */
    @Override
    protected void assertReleased(Member member) {
        assertFalse(bed.kubelet().runsPostgresFor(member.name()), "PostgreSQL of " + member.name() + " still runs");
        assertEquals(List.of(), bed.kubelet().volumesOf(member.name()), "volumes of " + member.name() + " still mounted");
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            for (MemberVolume volume : member.volumes()) {
                SnapshotRef probe = rbd.createSnapshot(volume.location().snapshotterVolume(), "released-probe");
                try {
                    rbd.rollbackVolume(probe); // EROFS (-30) while rbd-fuse holds the exclusive lock
                } finally {
                    rbd.deleteSnapshot(probe);
                }
            }
        }
    }

    /** The test bed's pods keep PGDATA in "pgdata" inside the claim (TestKubelet), as Settings say. */
    @Override
    protected String pgdataClaim() {
        return "pgdata-" + STATEFUL_SET + "-0";
    }

    @Test
    @Order(17)
    void aPgdataPathThatHoldsNoControlFileIsNotFoundAndSaysWhereItLooked() throws Exception {
        KubernetesClusterControl elsewhere = new KubernetesClusterControl(bed.shelterClient(),
                new KubernetesTarget(bed.namespace(), STATEFUL_SET),
                new KubernetesClusterControl.Settings("pgroot/data", Optional.of("shelter:test")));
        control.scale(0, TIMEOUT);
        try {
            ClusterTargetException missing = assertThrows(ClusterTargetException.class,
                    () -> elsewhere.readControlFile(pgdataClaim(), TIMEOUT));
            assertEquals(ClusterTargetException.Reason.NOT_FOUND, missing.reason(), missing.getMessage());
            assertTrue(missing.getMessage().contains("/mnt/pgroot/data/global/pg_control"), missing.getMessage());
            assertTrue(missing.getMessage().contains("shelter: no pg_control at /mnt/pgroot/data/global/pg_control"),
                    "the job's own log, read through pods/log: " + missing.getMessage());
        } finally {
            control.scale(1, TIMEOUT);
        }
        assertEquals(List.of(), new BatchV1Api(bed.adminClient()).listNamespacedJob(bed.namespace()).execute().getItems()
                .stream().map(job -> job.getMetadata().getName()).toList(), "the finished jobs were not deleted");
    }

    @Test
    @Order(10)
    void eachClaimIsFollowedThroughItsRealPersistentVolumeToTheRbdImage() throws Exception {
        Member member = control.members().get(0);
        assertEquals(1, member.volumes().size(), member.toString());
        MemberVolume volume = member.volumes().get(0);
        assertEquals("pgdata-" + STATEFUL_SET + "-0", volume.claim());
        String pvName = new CoreV1Api(bed.adminClient()).readNamespacedPersistentVolumeClaim(volume.claim(), bed.namespace())
                .execute().getSpec().getVolumeName();
        V1PersistentVolume pv = new CoreV1Api(bed.adminClient()).readPersistentVolume(pvName).execute();
        assertEquals(new VolumeLocation.RbdImage(ceph.config().pool(), pv.getSpec().getCsi().getVolumeAttributes().get("imageName")),
                volume.location());
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            assertTrue(rbd.pool().listImages().contains(volume.location().snapshotterVolume()),
                    "no image " + volume.location() + " in Ceph");
        }
    }

    @Test
    @Order(11)
    void drainMovesThePodToTheOtherNodeAndUncordonReleasesTheNode() throws SQLException {
        NodeMaintenance nodes = control.nodeMaintenance().orElseThrow();
        execute("INSERT INTO contract VALUES (2, 'written before the drain') ON CONFLICT DO NOTHING");
        String from = control.members().get(0).node().orElseThrow();

        List<String> evicted = nodes.drain(from, TIMEOUT);

        assertEquals(List.of(STATEFUL_SET + "-0"), evicted);
        assertTrue(nodes.isCordoned(from));
        control.scale(1, TIMEOUT); // waits for the StatefulSet's new pod to be ready
        Member moved = control.members().get(0);
        assertNotEquals(Optional.of(from), moved.node(), "the pod came back on the drained node: " + moved);
        assertTrue(bed.nodes().contains(moved.node().orElseThrow()), moved.toString());
        assertEquals("written before the drain", queryValue("SELECT note FROM contract WHERE id = 2"));

        nodes.uncordon(from);
        assertFalse(nodes.isCordoned(from));
        nodes.uncordon(from); // idempotent
        assertFalse(nodes.isCordoned(from));
    }

    @Test
    @Order(12)
    void eventsAreRecordedOnTheStatefulSet() throws Exception {
        control.recordEvent(ClusterEvent.normal("ScaledToZero", "it: scaled to zero for a test"));
        List<CoreV1Event> events = new CoreV1Api(bed.adminClient()).listNamespacedEvent(bed.namespace()).execute().getItems()
                .stream().filter(e -> "ScaledToZero".equals(e.getReason())).toList();
        assertEquals(1, events.size(), events.toString());
        assertEquals("StatefulSet", events.get(0).getInvolvedObject().getKind());
        assertEquals(STATEFUL_SET, events.get(0).getInvolvedObject().getName());
        assertEquals("shelter", events.get(0).getSource().getComponent());
        assertEquals("it: scaled to zero for a test", events.get(0).getMessage());
    }

    @Test
    @Order(13)
    void aMissingStatefulSetIsAClearNotFound() {
        KubernetesClusterControl missing = new KubernetesClusterControl(bed.shelterClient(),
                new KubernetesTarget(bed.namespace(), "no-such-set"));
        ClusterTargetException e = assertThrows(ClusterTargetException.class, () -> missing.scale(0, TIMEOUT));
        assertEquals(ClusterTargetException.Reason.NOT_FOUND, e.reason());
        assertEquals("cannot read statefulset " + bed.namespace() + "/no-such-set: statefulsets.apps \"no-such-set\" not found",
                e.getMessage());
    }

    @Test
    @Order(14)
    void anRbacDenialIsAClearForbiddenNamingWhoAndWhat() {
        KubernetesClusterControl nobody = new KubernetesClusterControl(bed.unprivilegedClient(),
                new KubernetesTarget(bed.namespace(), STATEFUL_SET));
        ClusterTargetException e = assertThrows(ClusterTargetException.class, nobody::members);
        assertEquals(ClusterTargetException.Reason.FORBIDDEN, e.reason());
        assertTrue(e.getMessage().startsWith("cannot read statefulset " + bed.namespace() + "/" + STATEFUL_SET + ": "),
                e.getMessage());
        assertTrue(e.getMessage().contains("forbidden"), e.getMessage());
        assertTrue(e.getMessage().contains(":nobody\""), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());

        // Shelter's own account has no rights outside the namespace the Role is in.
        KubernetesClusterControl elsewhere = new KubernetesClusterControl(bed.shelterClient(),
                new KubernetesTarget("default", STATEFUL_SET));
        ClusterTargetException outside = assertThrows(ClusterTargetException.class,
                () -> elsewhere.annotate(Map.of("a", Optional.of("b"))));
        assertEquals(ClusterTargetException.Reason.FORBIDDEN, outside.reason(), outside.getMessage());
    }

    @Test
    @Order(15)
    void aVolumeJobMountsTheMembersClaimWhileTheClusterIsDown() throws Exception {
        VolumeJobs jobs = control.volumeJobs().orElseThrow();
        String claim = control.members().get(0).volumes().get(0).claim();
        control.scale(0, TIMEOUT);

        // What restore preparation does: write into the stopped member's PGDATA, here a marker file.
        VolumeJobs.JobOutcome prepared = jobs.runWithVolume(new VolumeJobs.VolumeJob("prepare-1", claim, "/mnt",
                "shelter:test", List.of("sh", "-c", "test -f /mnt/pgdata/PG_VERSION && printf prepared-by-job "
                        + "> /mnt/pgdata/shelter-prepared && chown postgres /mnt/pgdata/shelter-prepared")), TIMEOUT);
        VolumeJobs.JobOutcome failed = jobs.runWithVolume(new VolumeJobs.VolumeJob("prepare-2", claim, "/mnt",
                "shelter:test", List.of("sh", "-c", "exit 3")), TIMEOUT);

        assertTrue(prepared.succeeded(), prepared.log());
        assertFalse(failed.succeeded(), failed.log());
        assertEquals(List.of(), new BatchV1Api(bed.adminClient()).listNamespacedJob(bed.namespace()).execute().getItems()
                .stream().map(job -> job.getMetadata().getName()).toList(), "the finished jobs were not deleted");
        control.scale(1, TIMEOUT);
        assertEquals("prepared-by-job", queryValue("SELECT pg_read_file('shelter-prepared')"));
    }

    @Test
    @Order(16)
    void aDisruptionBudgetThatProtectsTheOnlyPodIsRespectedNotBypassed() throws Exception {
        NodeMaintenance nodes = control.nodeMaintenance().orElseThrow();
        Member before = control.members().get(0);
        String node = before.node().orElseThrow();
        // A 1.20 server serves PodDisruptionBudgets as policy/v1beta1 only: a plain map, as a manifest would be.
        CustomObjectsApi objects = new CustomObjectsApi(bed.adminClient());
        objects.createNamespacedCustomObject("policy", "v1beta1", bed.namespace(), "poddisruptionbudgets", Map.of(
                "apiVersion", "policy/v1beta1", "kind", "PodDisruptionBudget",
                "metadata", Map.of("name", "keep-one"),
                "spec", Map.of("minAvailable", 1, "selector", Map.of("matchLabels", Map.of("app", STATEFUL_SET))))).execute();
        try {
            ClusterTargetException refused = assertThrows(ClusterTargetException.class,
                    () -> nodes.drain(node, java.time.Duration.ofSeconds(3)));
            assertEquals(ClusterTargetException.Reason.CONFLICT, refused.reason());
            assertTrue(refused.getMessage().contains("PodDisruptionBudget"), refused.getMessage());
            Member still = control.members().get(0);
            assertEquals(before.name(), still.name());
            assertEquals(before.node(), still.node(), "the pod was moved although its budget forbids it");
            assertTrue(still.ready(), still.toString());
            assertEquals("written before scale 0", queryValue("SELECT note FROM contract WHERE id = 1"));
        } finally {
            objects.deleteNamespacedCustomObject("policy", "v1beta1", bed.namespace(), "poddisruptionbudgets", "keep-one")
                    .execute();
            nodes.uncordon(node);
        }
    }
}
