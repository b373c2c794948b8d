package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupMode;
import dev.shelter.runbooks.backup.BackupModeWindow;
import dev.shelter.runbooks.backup.BackupRequest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.runbooks.wal.WalFileName;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What DELETE /api/v1/backups/{id} refuses, through the API, and that a refusal changes nothing:
 * a backup still running (409), a backup one of whose snapshots is protected because a clone
 * depends on it (409, on a real RBD image), a backup of a cluster that is no longer configured
 * (409: its snapshots cannot be reached), and an id Shelter does not know (404). Once the reason
 * is gone, the same DELETE deletes. A real PostgreSQL 15 is backed up; the "stuck" cluster's
 * plain archive is fed only by the test, so its backup waits for WAL until the test sends it.
 */
@RealPostgresBinaries
@RealCeph
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeleteBackupRefusalsIT {

    private static final String TOKEN = "delete-refusals-it-admin-token";
    private static final String RETIRED_ID = "20261121T101500Z-0000aa";

    private final PostgresBinaries binaries;
    private final CephServer ceph;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;
    private RbdSnapshotter rbd;
    private String image;
    private Path stuckArchive;
    private InProcessShelter shelter;
    private ShelterClient client;

    DeleteBackupRefusalsIT(PostgresBinaries binaries, CephServer ceph) {
        this.binaries = binaries;
        this.ceph = ceph;
    }

    @BeforeAll
    void startPostgresAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-delete-refusals-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        postgres.start();
        rbd = RbdSnapshotter.open(ceph.config());
        image = "shelter-it-delete-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        rbd.pool().createImage(image, 16L << 20);
        stuckArchive = scratch.resolve("stuck-archive");
        Files.createDirectories(stuckArchive);
        Path store = scratch.resolve("store");
        seedABackupOfARetiredCluster(store);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                clusters:
                  - name: stuck
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {walTimeoutSeconds: 600}
                  - name: on-rbd
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%7$s"}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%8$s"}}
                    backups: {walTimeoutSeconds: 120}
                objectStore: {kind: filesystem, directory: "%9$s"}
                ceph: {configFile: "%10$s", user: %11$s, keyringFile: "%12$s", pool: %13$s}
                """.formatted(postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(), postgres.password(),
                scratch.resolve("snapshots"), stuckArchive, image, postgres.archiveDirectory(), store,
                ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(), ceph.config().pool()));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    /** A completed backup, with a snapshot, of a cluster the configuration no longer lists. */
    private static void seedABackupOfARetiredCluster(Path store) {
        Instant at = Instant.parse("2026-11-21T10:15:00Z");
        BackupManifest completed = BackupManifest.running(new BackupRequest(new BackupId(RETIRED_ID), new ClusterName("retired"),
                        BackupMode.ONLINE, "before retirement", true, at))
                .withServer(new ServerIdentity(150010, SystemIdentifier.parse("7301234567890123456"), 16L << 20), 1L << 30)
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata",
                        new SnapshotRef("retired-pgdata", "shelter-" + RETIRED_ID))))
                .withWindow(new BackupModeWindow(Lsn.parse("0/3000028"), Lsn.parse("0/3000100"), new Timeline(1),
                        "START TIMELINE: 1\n", "", at, at.plusSeconds(1)))
                .completed(at.plusSeconds(2));
        try (FsBlobStore blobs = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            new BlobManifestStore(blobs, new ManifestCodec()).put(completed);
        }
    }

    @AfterAll
    void stopEverything() throws IOException {
        try {
            if (shelter != null) {
                shelter.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        } finally {
            if (rbd != null) {
                if (image != null) {
                    for (SnapshotRef snapshot : rbd.listSnapshots(image)) {
                        if (rbd.isProtected(snapshot)) {
                            rbd.unprotectSnapshot(snapshot);
                        }
                        rbd.deleteSnapshot(snapshot);
                    }
                    rbd.pool().removeImage(image);
                }
                rbd.close();
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void aRunningBackupIsRefusedWith409UntilItHasEnded() throws Exception {
        ShelterClient.Answer started = client.post("/api/v1/clusters/stuck/backups", "{\"label\":\"it delete running\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode waiting = client.awaitBackup(id, b -> "waiting_for_wal".equals(b.path("phase").asText())
                || !"running".equals(b.path("state").asText()), Duration.ofSeconds(60));
        assertEquals("waiting_for_wal", waiting.path("phase").asText(), waiting.toString());
        Path snapshot = snapshotDirectory("shelter-" + id);
        assertTrue(Files.isDirectory(snapshot), "the running backup's snapshot exists");

        ShelterClient.Answer refused = client.delete("/api/v1/backups/" + id);
        assertEquals(409, refused.status(), refused.text());
        assertEquals(409, refused.body().path("code").asInt(), refused.text());
        assertTrue(refused.body().path("message").asText().contains("is running"), refused.text());
        JsonNode after = client.get("/api/v1/backups/" + id).body();
        assertEquals("running", after.path("state").asText(), "the refusal left the backup running: " + after);
        assertTrue(Files.isDirectory(snapshot), "the refusal left its snapshot");

        // The WAL it waits for, sent the way archive_command would: the backup completes, and can then go.
        String segment = WalFileName.lastNeededBefore(new Timeline(waiting.path("timeline").asLong()),
                Lsn.parse(waiting.path("stopLsn").asText()), 16L << 20).value();
        Path archived = postgres.archiveDirectory().resolve(segment);
        awaitSegment(archived, Duration.ofSeconds(90)); // complete since pg_backup_stop switched segments; PostgreSQL archives it
        assertEquals(201, putWal("stuck", segment, Files.readAllBytes(archived)));
        assertEquals("completed", client.awaitEnd(id).path("state").asText());

        ShelterClient.Answer deleted = client.delete("/api/v1/backups/" + id);
        assertEquals(200, deleted.status(), deleted.text());
        assertEquals("deleted", client.get("/api/v1/backups/" + id).body().path("state").asText());
        assertFalse(Files.exists(snapshot), "its snapshot is gone");
    }

    @Test
    void aBackupWithAProtectedSnapshotIsRefusedWith409AndKeepsItsSnapshot() {
        ShelterClient.Answer started = client.post("/api/v1/clusters/on-rbd/backups", "{\"label\":\"it delete protected\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode completed = client.awaitEnd(id);
        assertEquals("completed", completed.path("state").asText(), completed.toString());
        SnapshotRef snapshot = new SnapshotRef(image, "shelter-" + id);
        assertTrue(rbd.exists(snapshot), "the backup's snapshot is on the image");

        rbd.protectSnapshot(snapshot); // what a clone (a restore into a new volume) needs
        try {
            ShelterClient.Answer refused = client.delete("/api/v1/backups/" + id);
            assertEquals(409, refused.status(), refused.text());
            assertTrue(refused.body().path("message").asText().contains("protected"), refused.text());
            assertTrue(rbd.exists(snapshot), "the refusal kept the snapshot");
            assertEquals("completed", client.get("/api/v1/backups/" + id).body().path("state").asText());
        } finally {
            rbd.unprotectSnapshot(snapshot);
        }

        ShelterClient.Answer deleted = client.delete("/api/v1/backups/" + id);
        assertEquals(200, deleted.status(), deleted.text());
        assertFalse(rbd.exists(snapshot), "once unprotected, the DELETE removed the snapshot");
    }

    @Test
    void aBackupOfAClusterNoLongerConfiguredIsRefusedWith409() {
        JsonNode before = client.get("/api/v1/backups/" + RETIRED_ID).body();
        assertEquals("completed", before.path("state").asText(), "the store's manifest was indexed at startup: " + before);

        ShelterClient.Answer refused = client.delete("/api/v1/backups/" + RETIRED_ID);
        assertEquals(409, refused.status(), refused.text());
        assertTrue(refused.body().path("message").asText().contains("'retired', which is no longer configured"), refused.text());
        assertEquals(before, client.get("/api/v1/backups/" + RETIRED_ID).body(), "the refusal changed nothing");
    }

    @Test
    void anIdShelterDoesNotKnowIs404() {
        ShelterClient.Answer unknown = client.delete("/api/v1/backups/20200101T000000Z-abcdef");
        assertEquals(404, unknown.status(), unknown.text());
        assertTrue(unknown.body().path("message").asText().contains("20200101T000000Z-abcdef"), unknown.text());

        ShelterClient.Answer malformed = client.delete("/api/v1/backups/not-a-backup-id");
        assertTrue(malformed.status() >= 400 && malformed.status() < 500, malformed.text());
        assertEquals(malformed.status(), malformed.body().path("code").asInt(), malformed.text());
    }

    private int putWal(String cluster, String file, byte[] bytes) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + shelter.port() + "/api/v1/clusters/" + cluster + "/wal/" + file))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() < 300, response.body());
        return response.statusCode();
    }

    private Path snapshotDirectory(String snapshot) throws IOException {
        try (var volumes = Files.list(scratch.resolve("snapshots"))) {
            return volumes.findFirst().orElseThrow(() -> new AssertionError("no snapshot directory")).resolve(snapshot);
        }
    }

    /** Waits until archive_command's cp has written the whole segment (cp is not atomic). */
    private static void awaitSegment(Path file, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!Files.isRegularFile(file) || Files.size(file) < (16L << 20)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(file + " did not appear within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
