package dev.shelter.runbooks.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import dev.shelter.storage.snapshot.SnapshotRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Manifests that check themselves (pgBackRest's rule): each is written with a {@code .copy} twin, and
 * read back only if its format, format version and SHA-256 hold. A damaged or lost main file is
 * replaced by its twin; when both are damaged, or written by a newer format, the read is refused
 * with a message that says why, never answered with a wrong manifest. On the filesystem adapter,
 * as in local mode; the bytes are damaged through the store itself, wherever it keeps them.
 */
class BlobManifestStoreTest {

    private static final ClusterName CLUSTER = new ClusterName("main");
    private static final Instant AT = Instant.parse("2026-11-21T10:15:00Z");
    private static final BackupId ID = new BackupId("20261121T101500Z-3fa9c1");
    private static final BlobKey MAIN = new BlobKey("backups/main/" + ID.value() + "/manifest.json");
    private static final BlobKey COPY = new BlobKey("backups/main/" + ID.value() + "/manifest.json.copy");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;
    private BlobStore blobs;
    private BlobManifestStore store;
    private final BackupManifest completed = completedManifest();

    @BeforeEach
    void openStore() {
        blobs = FsBlobStore.open(new FsBlobStoreConfig(directory));
        store = new BlobManifestStore(blobs, new ManifestCodec());
        store.put(completed);
    }

    @AfterEach
    void closeStore() {
        blobs.close();
    }

    @Test
    void aManifestIsWrittenTwiceAndReadBackEqual() {
        assertTrue(blobs.stat(MAIN).isPresent(), "manifest.json");
        assertTrue(blobs.stat(COPY).isPresent(), "manifest.json.copy");
        assertEquals(completed, store.get(CLUSTER, ID).orElseThrow());
        assertEquals(List.of(completed), store.listAll());
    }

    @Test
    void anEditedMainFileFailsItsChecksumAndTheCopyIsUsed() {
        byte[] edited = edit(read(MAIN), "\"label\" : \"nightly\"", "\"label\" : \"nightlz\"");
        blobs.put(MAIN, edited);

        assertEquals(completed, store.get(CLUSTER, ID).orElseThrow());
        assertEquals(List.of(completed), store.listAll());
    }

    @Test
    void aTornMainFileIsReplacedByTheCopy() {
        byte[] main = read(MAIN);
        blobs.put(MAIN, Arrays.copyOf(main, main.length / 2));

        assertEquals(completed, store.get(CLUSTER, ID).orElseThrow());
        assertEquals(List.of(completed), store.listAll());
    }

    @Test
    void aLostMainFileIsReplacedByTheCopy() {
        blobs.delete(MAIN);

        assertEquals(completed, store.get(CLUSTER, ID).orElseThrow());
        assertEquals(List.of(completed), store.listAll(), "the copy alone still lists the backup");
    }

    @Test
    void bothFilesDamagedIsARefusalThatSaysWhy() {
        blobs.put(MAIN, edit(read(MAIN), "\"label\" : \"nightly\"", "\"label\" : \"nightlz\""));
        byte[] copy = read(COPY);
        blobs.put(COPY, Arrays.copyOf(copy, copy.length - 10));

        ChecksummedJson.CorruptDocumentException refused = assertThrows(ChecksummedJson.CorruptDocumentException.class,
                () -> store.get(CLUSTER, ID));
        assertEquals("shelter-backup-manifest checksum mismatch", refused.getMessage());
        assertThrows(ChecksummedJson.CorruptDocumentException.class, () -> store.listAll(),
                "an index is never rebuilt from a manifest that fails its checks");
    }

    @Test
    void anEditThatKeepsTheJsonValidIsCaughtByTheChecksum() {
        // A changed stop LSN is still a well-formed manifest: only the checksum can tell.
        String stop = "\"stopLsn\" : \"0/3000100\"";
        assertTrue(new String(read(MAIN), StandardCharsets.UTF_8).contains(stop), new String(read(MAIN), StandardCharsets.UTF_8));
        byte[] forged = edit(read(MAIN), stop, "\"stopLsn\" : \"0/3000200\"");
        blobs.put(MAIN, forged);
        blobs.put(COPY, forged);

        ChecksummedJson.CorruptDocumentException refused = assertThrows(ChecksummedJson.CorruptDocumentException.class,
                () -> store.get(CLUSTER, ID));
        assertEquals("shelter-backup-manifest checksum mismatch", refused.getMessage());
    }

    @Test
    void aNewerFormatVersionIsRefusedEvenWithAGoodChecksum() throws IOException {
        ObjectNode envelope = (ObjectNode) JSON.readTree(read(MAIN));
        envelope.put("formatVersion", ManifestCodec.FORMAT_VERSION + 1); // the checksum covers the body: still valid
        byte[] newer = JSON.writeValueAsBytes(envelope);
        blobs.put(MAIN, newer);
        blobs.put(COPY, newer);

        ChecksummedJson.CorruptDocumentException refused = assertThrows(ChecksummedJson.CorruptDocumentException.class,
                () -> store.get(CLUSTER, ID));
        assertEquals("shelter-backup-manifest format version 2 is not supported (this Shelter reads 1)", refused.getMessage());
    }

    @Test
    void aDocumentOfAnotherFormatIsRefused() throws IOException {
        ObjectNode envelope = (ObjectNode) JSON.readTree(read(MAIN));
        envelope.put("format", "shelter-wal-archive");
        byte[] other = JSON.writeValueAsBytes(envelope);
        blobs.put(MAIN, other);
        blobs.put(COPY, other);

        ChecksummedJson.CorruptDocumentException refused = assertThrows(ChecksummedJson.CorruptDocumentException.class,
                () -> store.get(CLUSTER, ID));
        assertEquals("not a shelter-backup-manifest document", refused.getMessage());
    }

    @Test
    void anAbsentManifestIsEmptyNotAnError() {
        assertTrue(store.get(CLUSTER, new BackupId("20261121T101500Z-000000")).isEmpty());
    }

    @Test
    void aRewriteReplacesBothFiles() {
        BackupManifest deleted = completed.deleted(AT.plusSeconds(60));
        store.put(deleted);
        blobs.delete(MAIN);
        assertEquals(deleted, store.get(CLUSTER, ID).orElseThrow(), "the copy follows the main file");
        assertNotEquals(completed, deleted);
    }

    private static BackupManifest completedManifest() {
        BackupRequest request = new BackupRequest(ID, CLUSTER, BackupMode.ONLINE, "nightly", true, AT);
        String label = "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\nCHECKPOINT LOCATION: 0/3000060\n"
                + "BACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-11-21 10:15:00 UTC\nLABEL: nightly\n"
                + "START TIMELINE: 1\n";
        return BackupManifest.running(request)
                .withServer(new ServerIdentity(150010, SystemIdentifier.parse("7301234567890123456"), 16L << 20), 123_456_789L)
                .withSnapshots(List.of(new VolumeSnapshot(VolumeRole.PGDATA, "pgdata",
                        new SnapshotRef("/var/lib/postgresql/15/main", ID.snapshotName()))))
                .withWindow(new BackupModeWindow(Lsn.parse("0/3000028"), Lsn.parse("0/3000100"), new Timeline(1), label, "",
                        AT.plusMillis(200), AT.plusMillis(900)))
                .completed(AT.plusSeconds(2));
    }

    private byte[] read(BlobKey key) {
        try (InputStream in = blobs.open(key).orElseThrow(() -> new AssertionError(key.value() + " is not in the store"))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] edit(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(text.contains(from), "the manifest holds " + from + ":\n" + text);
        return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
    }
}
