package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Done means restorable (DESIGN rule 5): a backup whose WAL never reaches Shelter's archive within
 * {@code backups.walTimeoutSeconds} ends failed, says why, and leaves no snapshot behind, in the
 * local snapshot directory as on Ceph. A real PostgreSQL 15 archives into a directory of its own;
 * Shelter's plain archive for these clusters is an empty directory nothing writes to.
 * The RBD cluster snapshots a scratch image: what is checked is that its snapshot goes again.
 */
@RealPostgresBinaries
@RealCeph
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalTimeoutIT {

    private static final String TOKEN = "wal-timeout-it-operator-token";
    private static final int WAL_TIMEOUT_SECONDS = 2;

    private final PostgresBinaries binaries;
    private final CephServer ceph;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;
    private RbdSnapshotter rbd;
    private String image;
    private InProcessShelter shelter;
    private ShelterClient client;

    WalTimeoutIT(PostgresBinaries binaries, CephServer ceph) {
        this.binaries = binaries;
        this.ceph = ceph;
    }

    @BeforeAll
    void startPostgresAndShelter() throws Exception {
        scratch = ScratchDirectory.create("shelter-wal-timeout-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        postgres.start();
        rbd = RbdSnapshotter.open(ceph.config());
        image = "shelter-it-waltimeout-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        rbd.pool().createImage(image, 16L << 20);
        Path neverFed = scratch.resolve("never-fed-archive");
        Files.createDirectories(neverFed);
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.operator(TOKEN)) + """
                clusters:
                  - name: local-dir
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {walTimeoutSeconds: %7$d}
                  - name: on-rbd
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%8$s"}]
                    snapshots: {kind: rbd}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {walTimeoutSeconds: %7$d}
                objectStore: {kind: filesystem, directory: "%9$s"}
                ceph: {configFile: "%10$s", user: %11$s, keyringFile: "%12$s", pool: %13$s}
                """.formatted(postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(), postgres.password(),
                scratch.resolve("snapshots"), neverFed, WAL_TIMEOUT_SECONDS, image, scratch.resolve("store"),
                ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(), ceph.config().pool()));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
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
                    rbd.listSnapshots(image).forEach(rbd::deleteSnapshot);
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
    void aBackupWhoseWalNeverArrivesFailsAndItsSnapshotDirectoryIsDeleted() throws Exception {
        JsonNode failed = backUpUntilItEnds("local-dir");

        assertFailedForWantOfWal(failed);
        String snapshot = "shelter-" + failed.path("id").asText();
        try (Stream<Path> left = Files.walk(scratch.resolve("snapshots"))) {
            List<Path> found = left.filter(p -> p.getFileName().toString().equals(snapshot)).toList();
            assertEquals(List.of(), found, "the failed backup's snapshot is deleted");
        }
        assertNotInBackupMode();
    }

    @Test
    void aBackupWhoseWalNeverArrivesFailsAndItsRbdSnapshotIsDeleted() throws Exception {
        JsonNode failed = backUpUntilItEnds("on-rbd");

        assertFailedForWantOfWal(failed);
        assertEquals(List.of(), rbd.listSnapshots(image), "no snapshot of the failed backup is left on " + image);
        assertFalse(rbd.exists(new SnapshotRef(image, "shelter-" + failed.path("id").asText())));
        assertNotInBackupMode();
    }

    /** Starts a backup, sees it take its snapshot and wait for WAL, and returns it once it has ended. */
    private JsonNode backUpUntilItEnds(String cluster) {
        ShelterClient.Answer started = client.post("/api/v1/clusters/" + cluster + "/backups", "{\"label\":\"it wal timeout\"}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        JsonNode waiting = client.awaitBackup(id, b -> !"running".equals(b.path("state").asText())
                || "waiting_for_wal".equals(b.path("phase").asText()), Duration.ofSeconds(60));
        assertEquals("waiting_for_wal", waiting.path("phase").asText(), "the backup got as far as waiting for WAL: " + waiting);
        assertEquals(1, waiting.path("snapshots").size(), "its snapshot exists while it waits: " + waiting);
        Instant waitingSeen = Instant.now();
        JsonNode ended = client.awaitEnd(id);
        assertTrue(Duration.between(waitingSeen, Instant.now()).compareTo(Duration.ofSeconds(WAL_TIMEOUT_SECONDS - 1)) >= 0,
                "it waited about walTimeoutSeconds before giving up");
        return ended;
    }

    private static void assertFailedForWantOfWal(JsonNode backup) {
        assertEquals("failed", backup.path("state").asText(), backup.toString());
        String failure = backup.path("failure").asText();
        assertTrue(failure.contains("did not reach") && failure.contains("within " + WAL_TIMEOUT_SECONDS + " s")
                && failure.contains("not restorable"), failure);
        assertFalse(backup.path("stopLsn").asText().isEmpty(), "backup mode had ended normally: " + backup);
        assertEquals(0, backup.path("snapshots").size(), backup.toString());
    }

    private void assertNotInBackupMode() throws Exception {
        assertEquals("0", postgres.queryValue("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                + "AND application_name LIKE 'shelter-backup-%'"), "the backup's session is gone");
    }
}
