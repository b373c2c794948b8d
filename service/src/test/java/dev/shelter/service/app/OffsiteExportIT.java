package dev.shelter.service.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.offsite.MasterKey;
import dev.shelter.storage.offsite.OffsiteRepository;
import dev.shelter.storage.offsite.TreeManifest;
import dev.shelter.storage.offsite.TreeRestore;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresBinaries;
import dev.shelter.testing.PostgresInstance;
import dev.shelter.testing.RealPostgresBinaries;
import dev.shelter.testing.ScratchDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-site copies through the API, of real backups of a real PostgreSQL 15 in local mode: a first
 * copy reads everything, a second goes on from it, reading less and sending a fraction, the repository is encrypted
 * (no row's text in any object), and the copy read back from the store is the snapshot, file for
 * file.
 */
@RealPostgresBinaries
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OffsiteExportIT {

    private static final String TOKEN = "offsite-export-it-admin-token";
    private static final String SECRET = "offsite-row-that-must-not-show-";

    private final PostgresBinaries binaries;
    private ScratchDirectory scratch;
    private PostgresInstance postgres;
    private InProcessShelter shelter;
    private ShelterClient client;
    private byte[] masterKey;
    private String first;
    private String second;

    OffsiteExportIT(PostgresBinaries binaries) {
        this.binaries = binaries;
    }

    @BeforeAll
    void start() throws Exception {
        scratch = ScratchDirectory.create("shelter-offsite-it");
        postgres = PostgresInstance.create(binaries, scratch.resolve("cluster"));
        postgres.start();
        masterKey = new byte[32];
        new Random(17).nextBytes(masterKey);
        Path keyFile = Files.writeString(scratch.resolve("master.key"), Base64.getEncoder().encodeToString(masterKey) + "\n");
        Path config = scratch.resolve("shelter.yml");
        Files.writeString(config, InProcessShelter.header(InProcessShelter.admin(TOKEN)) + """
                catalog: {kind: memory}
                clusters:
                  - name: main
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%5$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                  - name: auto
                    target: {kind: local, dataDirectory: "%1$s", binDirectory: "%2$s"}
                    postgres: {jdbcUrl: "%3$s", user: postgres, password: "%4$s"}
                    volumes: [{role: pgdata, source: "%1$s"}]
                    snapshots: {kind: local-directory, directory: "%9$s"}
                    walArchive: {format: plain, store: {kind: filesystem, directory: "%6$s"}}
                    backups: {exportOffsite: true}
                objectStore: {kind: filesystem, directory: "%7$s"}
                offsite: {masterKeyFile: "%8$s", parallelUploads: 2, samplePercent: 5, garbageGraceMinutes: 0}
                """.formatted(postgres.dataDirectory(), binaries.directory(), postgres.jdbcUrl(), postgres.password(),
                scratch.resolve("snapshots"), postgres.archiveDirectory(), scratch.resolve("store"), keyFile,
                scratch.resolve("auto-snapshots")));
        shelter = InProcessShelter.startOn(config, TOKEN);
        client = shelter.client();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (shelter != null) {
                shelter.close();
            }
        } finally {
            try {
                if (postgres != null) {
                    postgres.close();
                }
            } finally {
                scratch.close();
            }
        }
    }

    @Test
    @Order(1)
    void backupsGoOffSiteEncryptedTheSecondFromTheFirstAndComeBackFileForFile() throws Exception {
        try (var connection = postgres.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE ledger (id int PRIMARY KEY, note text)");
            statement.execute("INSERT INTO ledger SELECT i, '" + SECRET + "' || i FROM generate_series(1, 20000) i");
        }
        first = backup();
        assertEquals("not-exported", client.get("/api/v1/backups/" + first).body().path("offsite").path("state").asText());

        JsonNode firstCopy = export(first);
        assertFalse(firstCopy.path("incremental").asBoolean(), firstCopy.toString());
        // About 25 MB read: the WAL segment and the tables in 4 MiB pieces, the hundreds of small files in a few bundles.
        assertTrue(firstCopy.path("chunksUploaded").asInt() >= 5, firstCopy.toString());
        ShelterClient.Answer again = client.postWhenFree("/api/v1/backups/" + first + "/export", "");
        assertEquals(200, again.status(), "a backup with its copy is answered as it is: " + again.text());

        try (var connection = postgres.connect(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO ledger VALUES (20001, 'one more')");
        }
        second = backup();
        JsonNode secondCopy = export(second);
        assertTrue(secondCopy.path("incremental").asBoolean(), secondCopy.toString());
        // WAL segments and the changed table are read again (whole files); the catalogs and the rest are taken unread.
        assertTrue(secondCopy.path("bytesRead").asLong() < firstCopy.path("bytesRead").asLong(),
                "unchanged files are taken from the first copy unread: " + secondCopy + " after " + firstCopy);
        assertTrue(secondCopy.path("chunksUploaded").asInt() < firstCopy.path("chunksUploaded").asInt() / 2, secondCopy.toString());
        assertTrue(secondCopy.path("bytesUploaded").asLong() < firstCopy.path("bytesUploaded").asLong() / 5, secondCopy.toString());

        Path store = scratch.resolve("store");
        try (Stream<Path> objects = Files.walk(store.resolve("offsite"))) {
            byte[] needle = SECRET.getBytes(StandardCharsets.US_ASCII);
            for (Path object : objects.filter(Files::isRegularFile).toList()) {
                assertFalse(contains(Files.readAllBytes(object), needle), object + " holds a row's text");
            }
        }
        try (FsBlobStore bucket = FsBlobStore.open(new FsBlobStoreConfig(store))) {
            OffsiteRepository repository = OffsiteRepository.open(bucket, Optional.of(MasterKey.of(masterKey)));
            TreeManifest copy = repository.copies().findTree(second + "/pgdata-pgdata").orElseThrow();
            Path restored = scratch.resolve("restored");
            new TreeRestore(repository.chunks(), 2).restore(copy, restored, stats -> { });
            assertEquals(copied(digests(snapshotOf(second))), digests(restored), "the copy is the snapshot, file for file");
            assertTrue(Files.isDirectory(restored.resolve("pg_wal/archive_status")), "the WAL directories stay, empty");
            assertTrue(digests(snapshotOf(second)).keySet().stream().anyMatch(path -> path.startsWith("pg_wal/0")),
                    "the snapshot had WAL segments, which the copy leaves out (a restore replays the archive)");
        }

        assertEquals(404, client.post("/api/v1/backups/20200101T000000Z-000000/export", "").status());
    }

    /** Cluster "auto" has backups.exportOffsite: its backups go off site as they complete, unasked. */
    @Test
    @Order(2)
    void aClusterThatAsksForItHasEachBackupCopiedAsItCompletes() {
        String id = backup("auto");

        JsonNode offsite = Poll.until("backup " + id + " of auto has its copy, unasked", Duration.ofMinutes(3),
                () -> client.get("/api/v1/backups/" + id).body().path("offsite"), o -> o.path("state").asText().equals("exported"));

        assertTrue(offsite.path("chunksReused").asInt() > 0, "the same data as main's copies is not sent again: " + offsite);
    }

    /**
     * The first backup deleted, the garbage collected (no grace period here): its copy goes, and the
     * chunks only it needed; the second's copy, which shares most of them, still restores file for file.
     */
    @Test
    @Order(3)
    void aDeletedBackupsCopyAndOwnChunksAreCollectedAndTheOthersStayWhole() throws Exception {
        assertEquals(200, client.delete("/api/v1/backups/" + first).status());
        Path chunks = scratch.resolve("store/offsite/chunks");
        long before = count(chunks);

        ShelterClient.Answer preview = client.post("/api/v1/offsite/garbage:collect?dryRun=true", "");
        assertEquals(200, preview.status(), preview.text());
        assertEquals(List.of(first + "/pgdata-pgdata"), texts(preview.body().path("copiesRemoved")), preview.text());
        assertTrue(preview.body().path("chunksDeleted").asInt() > 0, preview.text());
        assertEquals(before, count(chunks), "a dry run deletes nothing");
        ShelterClient.Answer unconfirmed = client.post("/api/v1/offsite/garbage:collect", "");
        assertEquals(400, unconfirmed.status(), unconfirmed.text());
        assertTrue(unconfirmed.text().contains("confirm=offsite"), unconfirmed.text());

        ShelterClient.Answer collected = client.post("/api/v1/offsite/garbage:collect?confirm=offsite", "");

        assertEquals(200, collected.status(), collected.text());
        assertEquals(preview.body().path("chunksDeleted").asInt(), collected.body().path("chunksDeleted").asInt(), collected.text());
        assertEquals(before - collected.body().path("chunksDeleted").asInt(), count(chunks));
        assertTrue(collected.body().path("chunksDeleted").asInt() < collected.body().path("chunksNeeded").asInt(),
                "most of the first copy's chunks are the second's too: " + collected.text());
        try (FsBlobStore bucket = FsBlobStore.open(new FsBlobStoreConfig(scratch.resolve("store")))) {
            OffsiteRepository repository = OffsiteRepository.open(bucket, Optional.of(MasterKey.of(masterKey)));
            assertFalse(repository.copies().has(first + "/pgdata-pgdata"));
            Path restored = scratch.resolve("restored-after-gc");
            new TreeRestore(repository.chunks(), 2).restore(repository.copies().findTree(second + "/pgdata-pgdata").orElseThrow(), restored,
                    stats -> { });
            assertEquals(copied(digests(snapshotOf(second))), digests(restored), "the second copy is whole after the collection");
        }
        assertEquals(0, client.post("/api/v1/offsite/garbage:collect?confirm=offsite", "").body().path("chunksDeleted").asInt(),
                "a second collection finds nothing more");
    }

    private static long count(Path directory) throws Exception {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new java.util.ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private String backup() {
        return backup("main");
    }

    private String backup(String cluster) {
        ShelterClient.Answer started = client.post("/api/v1/clusters/" + cluster + "/backups", "{}");
        assertEquals(202, started.status(), started.text());
        String id = started.body().path("id").asText();
        assertEquals("completed", client.awaitEnd(id).path("state").asText());
        return id;
    }

    private JsonNode export(String id) {
        ShelterClient.Answer started = client.postWhenFree("/api/v1/backups/" + id + "/export", "");
        assertEquals(202, started.status(), started.text());
        return Poll.until("backup " + id + " has its copy", Duration.ofMinutes(3),
                () -> client.get("/api/v1/backups/" + id).body().path("offsite"), offsite -> offsite.path("state").asText().equals("exported"));
    }

    private Path snapshotOf(String id) throws Exception {
        try (Stream<Path> volumes = Files.list(scratch.resolve("snapshots"))) {
            return volumes.findFirst().orElseThrow().resolve("shelter-" + id);
        }
    }

    /** The files of a data directory an off-site copy keeps: not the WAL segments, nor what pg_basebackup leaves out too. */
    private static Map<String, String> copied(Map<String, String> files) {
        Map<String, String> kept = new TreeMap<>(files);
        kept.keySet().removeIf(path -> path.startsWith("pg_wal/") || path.startsWith("pg_stat_tmp/") || path.startsWith("pg_replslot/")
                || path.startsWith("pg_subtrans/") || path.startsWith("pg_notify/") || path.startsWith("pg_serial/")
                || path.startsWith("pg_snapshots/") || path.startsWith("pg_dynshmem/") || path.equals("postmaster.pid")
                || path.equals("postmaster.opts") || path.endsWith("pg_internal.init"));
        return kept;
    }

    private static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.filter(Files::isRegularFile).toList()) {
                digests.put(root.relativize(path).toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path))));
            }
        }
        return digests;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
