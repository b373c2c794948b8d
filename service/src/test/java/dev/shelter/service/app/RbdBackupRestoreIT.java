package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BlobManifestStore;
import dev.shelter.runbooks.catalog.ManifestCodec;
import dev.shelter.runbooks.restore.RecoveryFiles;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.storage.rbd.RbdSnapshotter;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RbdVolume;
import dev.shelter.testing.RealCeph;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL 15 whose PGDATA lives on a real RBD image (rbd-fuse, loop, ext4; DESIGN.md section 8),
 * backed up by Shelter through the RBD adapter, then restored the way the seed's runbook does it:
 * stop, release the volume, roll the image back, write the recovery files from the manifest, check
 * them, start with WAL from the archive. The restored cluster must hold exactly the rows committed
 * before the backup. The manifests live in an S3 bucket (s3proxy): the restore reads the backup from
 * there, and a fresh Shelter lists it from there.
 */
@RealPostgresBinaries
@RealCeph
@RealS3
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbdBackupRestoreIT {

    private static final String TOKEN = "rbd-backup-restore-it-admin-token";

    private final PostgresBinaries binaries;
    private final CephServer ceph;
    private final S3Server s3;
    private String bucket;
    private Path config;
    private ScratchDirectory scratch;
    private Path root;
    private RbdVolume volume;
    private PostgresInstance postgres;
    private InProcessShelter shelter;
    private ShelterClient client;

    RbdBackupRestoreIT(PostgresBinaries binaries, CephServer ceph, S3Server s3) {
        this.binaries = binaries;
        this.ceph = ceph;
        this.s3 = s3;
    }

    @BeforeAll
    void startClusterOnRbdAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-rbd-restore-it");
        root = scratch.path();
        String image = "shelter-it-restore-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        volume = RbdVolume.create(image, root.resolve("volume"), 1);
        postgres = PostgresInstance.create(binaries, root.resolve("cluster"), volume.mountPoint().resolve("pgdata"));
        postgres.start();

        bucket = s3.createBucket("rbd-restore");
        config = root.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                clusters:
                  - name: onrbd
                    target: {kind: local, dataDirectory: "%s", binDirectory: "%s"}
                    postgres: {jdbcUrl: "%s", user: postgres, password: "%s"}
                    volumes: [{role: pgdata, source: "%s"}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%s"}}
                    backups: {walTimeoutSeconds: 60}
                %s
                ceph: {configFile: "%s", user: %s, keyringFile: "%s", pool: %s}
                """.formatted(postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(), postgres.password(),
                image, postgres.archiveDirectory(), InProcessShelter.s3ObjectStore(s3, bucket, root.resolve("s3-secret")),
                ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(), ceph.config().pool()));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stopEverythingAndRemoveTheImage() {
        try {
            if (shelter != null) {
                shelter.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        } finally {
            if (volume != null) {
                volume.detach();
                try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
                    for (SnapshotRef snapshot : rbd.listSnapshots(volume.image())) {
                        if (rbd.isProtected(snapshot)) {
                            rbd.unprotectSnapshot(snapshot);
                        }
                        rbd.deleteSnapshot(snapshot);
                    }
                    rbd.pool().removeImage(volume.image());
                }
            }
            if (bucket != null) {
                s3.deleteBucket(bucket);
            }
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    @Test
    void rollingBackTheRbdSnapshotWithTheManifestsLabelAndArchivedWalGivesExactlyThePreBackupRows() throws Exception {
        Ledger.create(postgres);
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ledger (payload) SELECT 'before ' || g || repeat('x', 200) FROM generate_series(1, 20000) g");
        }
        String before = Ledger.digest(postgres);

        ShelterClient.Answer started = client.post("/api/v1/clusters/onrbd/backups",
                "{\"mode\":\"online\",\"label\":\"it rbd restore\",\"fastCheckpoint\":true}");
        assertEquals(202, started.status(), started.text());
        JsonNode backup = client.awaitEnd(started.body().path("id").asText());
        assertEquals("completed", backup.path("state").asText(), backup.toString());
        assertEquals(volume.image(), backup.path("snapshots").get(0).path("volume").asText(), backup.toString());
        SnapshotRef snapshot = new SnapshotRef(volume.image(), backup.path("snapshots").get(0).path("snapshot").asText());

        // What happens after the backup must not survive the restore: inserts, updates, deletes, DDL.
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ledger (payload) SELECT 'after ' || g FROM generate_series(1, 5000) g");
            s.execute("UPDATE ledger SET payload = 'changed' WHERE id % 7 = 0");
            s.execute("DELETE FROM ledger WHERE id % 11 = 0");
            s.execute("CREATE TABLE later (id int)");
            s.execute("SELECT pg_switch_wal()");
        }
        assertNotEquals(before, Ledger.digest(postgres));
        assertAFreshShelterListsTheBackupFromTheBucket(backup);

        // Stop PostgreSQL; while rbd-fuse still holds the image, Ceph must refuse the rollback.
        postgres.stop();
        try (RbdSnapshotter rbd = RbdSnapshotter.open(ceph.config())) {
            SnapshotException busy = assertThrows(SnapshotException.class, () -> rbd.rollbackVolume(snapshot));
            assertEquals(SnapshotException.Reason.VOLUME_BUSY, busy.reason(), busy.getMessage());
            volume.detach();
            rbd.rollbackVolume(snapshot);
        }
        volume.attach();

        BackupManifest manifest = readManifestFromTheStore(backup.path("id").asText());
        Path pgdata = postgres.dataDirectory();
        // PG15's non-exclusive backup mode never writes backup_label into PGDATA: the snapshot has
        // none, and starting it as it is would be the silent corruption rule 2 is about.
        assertFalse(Files.exists(pgdata.resolve(RecoveryFiles.BACKUP_LABEL)));
        RestoreRefusedException noLabel = assertThrows(RestoreRefusedException.class, () -> RecoveryFiles.verify(pgdata, manifest));
        assertTrue(noLabel.getMessage().contains("no backup_label"), noLabel.getMessage());

        RecoveryFiles.write(pgdata, manifest, "cp " + postgres.archiveDirectory() + "/%f %p");
        assertArrayEquals(backup.path("labelFile").asText().getBytes(StandardCharsets.UTF_8),
                Files.readAllBytes(pgdata.resolve(RecoveryFiles.BACKUP_LABEL)));
        assertTamperedLabelIsRefused(pgdata, manifest);
        RecoveryFiles.verify(pgdata, manifest);

        postgres.start();
        awaitPromotion();
        assertEquals(before, Ledger.digest(postgres), "the restored cluster holds exactly the rows committed before the backup");
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT timeline_id, to_regclass('later') IS NULL FROM pg_control_checkpoint()")) {
            r.next();
            assertEquals(backup.path("timeline").asLong() + 1, r.getLong(1), "the restore promoted onto a new timeline");
            assertTrue(r.getBoolean(2), "DDL after the backup is gone");
        }
    }

    private void assertAFreshShelterListsTheBackupFromTheBucket(JsonNode backup) throws Exception {
        try (InProcessShelter fresh = InProcessShelter.startOn(config, TOKEN)) {
            ShelterClient freshClient = fresh.client();
            JsonNode listed = freshClient.get("/api/v1/clusters/onrbd/backups").body();
            assertEquals(1, listed.path("total").asInt(), listed.toString());
            assertEquals(backup, listed.path("backups").get(0), "the same backup, rebuilt from the bucket");
        }
    }

    /** One changed byte in backup_label must stop the restore before PostgreSQL starts. */
    private static void assertTamperedLabelIsRefused(Path pgdata, BackupManifest manifest) throws IOException {
        Path label = pgdata.resolve(RecoveryFiles.BACKUP_LABEL);
        byte[] good = Files.readAllBytes(label);
        byte[] bad = good.clone();
        bad[bad.length - 2] ^= 1;
        Files.write(label, bad);
        RestoreRefusedException refused = assertThrows(RestoreRefusedException.class, () -> RecoveryFiles.verify(pgdata, manifest));
        assertTrue(refused.getMessage().contains("differs from the manifest"), refused.getMessage());
        Files.write(label, good);
    }

    private BackupManifest readManifestFromTheStore(String id) {
        try (S3BlobStore store = S3BlobStore.open(s3.storeConfig(bucket, ""))) {
            return new BlobManifestStore(store, new ManifestCodec()).get(new ClusterName("onrbd"), new BackupId(id))
                    .orElseThrow(() -> new AssertionError("no manifest for " + id + " in the store"));
        }
    }

    private void awaitPromotion() {
        postgres.awaitTrue("SELECT NOT pg_is_in_recovery()", Duration.ofSeconds(120));
    }
}
