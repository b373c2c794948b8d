package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.KubernetesTarget;
import dev.shelter.runbooks.cluster.Member;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.runbooks.restore.SnapshotRollback;
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
import io.kubernetes.client.openapi.apis.CoreV1Api;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's restore, end to end on the test bed: rows written, a cold snapshot of the pod's RBD
 * image, more rows, scale 0, rollback, scale 1, and the database shows exactly the pre-snapshot
 * state. All through Shelter's adapters, as Shelter's ServiceAccount.
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotRollbackOnKubernetesIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private KubernetesClusterControl cluster;
    private PostgresStatefulSet db;

    SnapshotRollbackOnKubernetesIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void startAStatefulSetOfOne() {
        bed = KubeTestBed.open(server, ceph, binaries);
        db = bed.startPostgres("db");
        cluster = new KubernetesClusterControl(bed.shelterClient(), new KubernetesTarget(bed.namespace(), "db"));
    }

    @AfterAll
    void removeTheTestBed() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void rollingBackAColdSnapshotGivesExactlyThePreSnapshotRows() throws Exception {
        db.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, payload text NOT NULL)",
                "INSERT INTO ledger SELECT g, md5(g::text) FROM generate_series(1, 50000) g");
        String before = digest();

        // A cold snapshot: the server stopped cleanly, so the image holds a consistent cluster.
        Member member = cluster.members().get(0);
        String image = member.volumes().get(0).location().snapshotterVolume();
        cluster.scale(0, TIMEOUT);
        SnapshotRef snapshot;
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            snapshot = rbd.createSnapshot(image, "cold-1");
        }
        cluster.scale(1, TIMEOUT);

        db.execute("INSERT INTO ledger SELECT g, 'after' FROM generate_series(50001, 60000) g",
                "UPDATE ledger SET payload = 'changed' WHERE id % 7 = 0",
                "DELETE FROM ledger WHERE id % 11 = 0",
                "CREATE TABLE later (id int)");
        assertNotEquals(before, digest());

        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            SnapshotRollback rollback = new SnapshotRollback(cluster, rbd, TIMEOUT);
            RestoreRefusedException refused = assertThrows(RestoreRefusedException.class,
                    () -> rollback.rollBack(List.of(new SnapshotRef(image, "no-such-snapshot"))));
            assertTrue(refused.getMessage().contains("nothing was changed"), refused.getMessage());
            assertEquals(1, cluster.members().size(), "a refused rollback must not have scaled the cluster down");

            assertEquals(1, rollback.rollBack(List.of(snapshot)));
        }

        assertEquals(before, digest());
        assertEquals("0", db.queryValue("SELECT count(*) FROM pg_class WHERE relname = 'later'"));
        assertEquals("50000", db.queryValue("SELECT count(*) FROM ledger"));
        List<String> reasons = new CoreV1Api(bed.adminClient()).listNamespacedEvent(bed.namespace()).execute().getItems()
                .stream().map(e -> e.getReason()).filter(r -> r.startsWith("Rollback")).toList();
        // Listed by name, which is random: the count and the set say that each was recorded once.
        assertEquals(2, reasons.size(), reasons.toString());
        assertEquals(Set.of("RollbackStarted", "RollbackCompleted"), Set.copyOf(reasons));
    }

    private String digest() throws SQLException {
        return db.queryValue("SELECT md5(string_agg(id || ':' || payload, ',' ORDER BY id)) FROM ledger");
    }
}
