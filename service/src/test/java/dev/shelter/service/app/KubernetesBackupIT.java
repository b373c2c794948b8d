package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.KubeApiServer;
import dev.shelter.testing.KubeTestBed;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresStatefulSet;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealKubernetes;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An online backup of a cluster configured as {@code kind: kubernetes}: Shelter, authenticated as its
 * ServiceAccount, follows the primary pod's claim through the real PersistentVolume to the RBD image
 * and snapshots that image (the configured source is only the claim template's name).
 */
@RealKubernetes
@RealCeph
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesBackupIT {

    private static final String TOKEN = "kubernetes-backup-it-admin-token";

    private final KubeApiServer server;
    private final CephServer ceph;
    private final PostgresBinaries binaries;
    private KubeTestBed bed;
    private ScratchDirectory scratch;
    private InProcessShelter shelter;
    private ShelterClient client;

    KubernetesBackupIT(KubeApiServer server, CephServer ceph, PostgresBinaries binaries) {
        this.server = server;
        this.ceph = ceph;
        this.binaries = binaries;
    }

    @BeforeAll
    void startAStatefulSetAndShelter() throws Exception {
        bed = KubeTestBed.open(server, ceph, binaries);
        PostgresStatefulSet orders = bed.startPostgres("orders");

        scratch = ScratchDirectory.create("shelter-kubernetes-backup-it");
        Path token = scratch.resolve("sa-token");
        Files.writeString(token, bed.shelterToken());
        // An archive PostgreSQL never writes to: a backup there fails after its snapshot was taken.
        Path noWalArchive = Files.createDirectories(scratch.resolve("archive-postgres-never-writes"));
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                clusters:
                  - name: orders
                    target: {kind: kubernetes, namespace: %s, statefulSet: orders}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    backups: {walTimeoutSeconds: 60}
                    restore: {walUrl: "http://127.0.0.1:9", tokenFile: /nonexistent-token}
                  - name: orders-with-pgwal
                    target: {kind: kubernetes, namespace: %s, statefulSet: orders}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}, {role: pgwal, source: pgwal}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                  - name: orders-wal-never-arrives
                    target: {kind: kubernetes, namespace: %s, statefulSet: orders}
                    postgres: {jdbcUrl: "%s", user: %s, password: %s}
                    volumes: [{role: pgdata, source: pgdata}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    backups: {walTimeoutSeconds: 30}
                objectStore: {kind: filesystem, directory: "%s"}
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                kubernetes: {server: "%s", token: "file:%s", certificateAuthorityFile: "%s"}
                """.formatted(bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(), bed.kubelet().archiveDirectoryOf("orders-0"),
                bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(), bed.kubelet().archiveDirectoryOf("orders-0"),
                bed.namespace(), orders.jdbcUrl(), orders.user(), orders.password(), noWalArchive,
                scratch.resolve("store"), ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(),
                ceph.config().pool(), server.url(), token, server.certificateAuthority()));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
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

    @Test
    void theClusterTargetHealthCheckSeesTheReadyPodWithShelterSOwnRights() throws Exception {
        java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + shelter.adminPort() + "/healthcheck"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode target = new com.fasterxml.jackson.databind.ObjectMapper().readTree(health.body()).path("cluster-target-orders");
        assertTrue(target.path("healthy").asBoolean(), health.body());
        assertEquals("1 of 1 member(s) ready", target.path("message").asText(), health.body());
        assertEquals("orders-0 primary ready on " + bed.nodes().get(0), target.path("members").get(0).asText(), health.body());
    }

    @Test
    void aRestoreWithoutShelterSImageForItsJobIsRefusedSayingWhatToConfigure() {
        ShelterClient.Answer refused = client.post("/api/v1/clusters/orders/restores", "{\"target\": {\"latest\": true}, "
                + "\"confirm\": \"orders\"}");
        assertEquals(409, refused.status(), refused.text());
        assertTrue(refused.text().contains("kubernetes.shelterImage is not configured"), refused.text());
    }

    @Test
    void aVolumeThePrimaryDoesNotMountFailsTheBackupClearlyAndWarnsOnTheStatefulSet() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/orders-with-pgwal/backups", "{\"mode\":\"online\"}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());

        assertEquals("failed", backup.path("state").asText(), backup.toString());
        String missing = "the primary orders-0 mounts no claim pgwal-orders-0 for the PGWAL volume (it mounts [pgdata-orders-0])";
        assertEquals("LocateVolumes failed: " + missing, backup.path("failure").asText(), backup.toString());
        List<CoreV1Event> warnings = awaitEvents("BackupFailed", backup.path("id").asText());
        assertEquals(1, warnings.size(), warnings.toString());
        assertEquals("Warning", warnings.get(0).getType());
        assertTrue(warnings.get(0).getMessage().contains(missing), warnings.get(0).getMessage());
    }

    /**
     * A failure after the snapshot exists (the WAL through the stop LSN never reaches the archive)
     * must delete the snapshot of the image the primary's claim resolved to: the test sees the
     * snapshot in Ceph while the backup waits for WAL, and sees it gone once the backup failed.
     */
    @Test
    void aBackupThatFailsAfterItsSnapshotLeavesNoSnapshotOnTheImage() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/orders-wal-never-arrives/backups", "{\"mode\":\"online\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        String image = bed.kubelet().images().iterator().next(); // the bed's only StatefulSet has one claim
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            JsonNode waiting = client.awaitBackup(id, b -> "waiting_for_wal".equals(b.path("phase").asText()), Duration.ofSeconds(120));
            assertEquals("running", waiting.path("state").asText(), waiting.toString());
            assertTrue(rbd.listSnapshots(image).stream().anyMatch(ref -> ref.snapshot().contains(id)),
                    "while the backup waits for WAL its snapshot exists on " + image + ": " + rbd.listSnapshots(image));

            JsonNode backup = client.awaitEnd(id);
            assertEquals("failed", backup.path("state").asText(), backup.toString());
            assertTrue(backup.path("failure").asText().contains("did not reach"), backup.toString());
            assertTrue(rbd.listSnapshots(image).stream().noneMatch(ref -> ref.snapshot().contains(id)),
                    "the failed backup left a snapshot behind on " + image + ": " + rbd.listSnapshots(image));
        }
    }

    @Test
    void anOnlineBackupSnapshotsTheImageBehindThePrimaryPodsClaim() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/orders/backups",
                "{\"mode\":\"online\",\"label\":\"on kubernetes\",\"fastCheckpoint\":true}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), backup.toString());

        CoreV1Api admin = new CoreV1Api(bed.adminClient());
        String pv = admin.readNamespacedPersistentVolumeClaim("pgdata-orders-0", bed.namespace()).execute().getSpec()
                .getVolumeName();
        String image = admin.readPersistentVolume(pv).execute().getSpec().getCsi().getVolumeAttributes().get("imageName");
        JsonNode snapshot = backup.path("snapshots").get(0);
        assertEquals(image, snapshot.path("volume").asText(), backup.toString());
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            assertTrue(rbd.exists(new SnapshotRef(image, snapshot.path("snapshot").asText())),
                    "no snapshot " + snapshot + " of " + image + " in Ceph");
        }
        assertTrue(backup.path("labelFile").asText().startsWith("START WAL LOCATION: "), backup.toString());

        // What Shelter did shows where an SRE looks: kubectl describe statefulset orders.
        List<CoreV1Event> events = awaitEvents("BackupCompleted", backup.path("id").asText());
        assertEquals(1, events.size(), events.toString());
        assertEquals("orders", events.get(0).getInvolvedObject().getName());
        assertEquals("Shelter backup " + backup.path("id").asText() + " (online) completed: 1 snapshot(s), consistent at "
                + backup.path("stopLsn").asText(), events.get(0).getMessage());
    }

    /** Events are recorded once a backup has ended, just after its final state is visible: wait for the backup's own. */
    private List<CoreV1Event> awaitEvents(String reason, String backupId) {
        return Poll.until("a " + reason + " event for backup " + backupId, Duration.ofSeconds(60),
                () -> new CoreV1Api(bed.adminClient()).listNamespacedEvent(bed.namespace()).execute().getItems().stream()
                        .filter(e -> reason.equals(e.getReason()) && e.getMessage() != null && e.getMessage().contains(backupId))
                        .toList(), events -> !events.isEmpty());
    }
}
