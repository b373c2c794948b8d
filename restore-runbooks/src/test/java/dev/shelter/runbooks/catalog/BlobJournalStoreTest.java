package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.engine.JournalStore;
import dev.shelter.runbooks.engine.JournalStoreContract;
import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.RunState;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal store contract on the filesystem adapter (local mode), and the journal's own checks:
 * a {@code .copy} twin that takes over from a damaged or lost main file, and a refusal, never a
 * wrong journal, when both are damaged.
 */
class BlobJournalStoreTest extends JournalStoreContract {

    private static final ClusterName MAIN = new ClusterName("main");
    private static final String RUN = "run-20261129T181500Z-3f9a2c";
    private static final BlobKey MAIN_FILE = new BlobKey("journals/main/" + RUN + ".json");
    private static final BlobKey COPY_FILE = new BlobKey("journals/main/" + RUN + ".json.copy");

    @TempDir
    Path directory;
    private BlobStore blobs;
    private BlobJournalStore journals;
    private final RunJournal rollingBack = journal(MAIN, RUN, RunState.ROLLING_BACK);

    @Override
    protected JournalStore newEmptyStore() {
        blobs = FsBlobStore.open(new FsBlobStoreConfig(directory));
        journals = new BlobJournalStore(blobs, new JournalCodec());
        return journals;
    }

    @AfterEach
    void closeStore() {
        blobs.close();
    }

    @Test
    void aJournalIsWrittenTwiceAsChecksummedJsonWithReadableInstants() {
        journals.put(rollingBack);
        assertTrue(blobs.stat(COPY_FILE).isPresent(), RUN + ".json.copy");
        String json = new String(read(MAIN_FILE), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"format\" : \"shelter-run-journal\""), json);
        assertTrue(json.contains("\"formatVersion\" : 1"), json);
        assertTrue(json.contains("\"createdAt\" : \"2026-11-29T18:15:00.123456789Z\""), json);
        assertTrue(json.contains("\"id\" : \"" + RUN + "\""), json);
        assertTrue(json.contains("\"cluster\" : \"main\""), json);
    }

    @Test
    void aDamagedMainFileIsReplacedByItsTwin() {
        journals.put(rollingBack);
        blobs.put(MAIN_FILE, edit(read(MAIN_FILE), "\"state\" : \"ROLLING_BACK\"", "\"state\" : \"ROLLED_BACK\""));

        assertEquals(rollingBack, journals.get(MAIN, rollingBack.id()).orElseThrow());
        assertEquals(List.of(rollingBack), journals.unfinished(), "a forged 'finished' never releases a lock");
    }

    @Test
    void aTornOrLostMainFileIsReplacedByItsTwin() {
        journals.put(rollingBack);
        byte[] main = read(MAIN_FILE);
        blobs.put(MAIN_FILE, Arrays.copyOf(main, main.length / 2));
        assertEquals(rollingBack, journals.get(MAIN, rollingBack.id()).orElseThrow());

        blobs.delete(MAIN_FILE);
        assertEquals(rollingBack, journals.get(MAIN, rollingBack.id()).orElseThrow());
        assertEquals(List.of(rollingBack), journals.listAll(), "the twin alone still lists the run");
    }

    @Test
    void bothFilesDamagedIsARefusalThatSaysWhy() {
        journals.put(rollingBack);
        blobs.put(MAIN_FILE, edit(read(MAIN_FILE), "\"replicas\" : \"3\"", "\"replicas\" : \"0\""));
        byte[] copy = read(COPY_FILE);
        blobs.put(COPY_FILE, Arrays.copyOf(copy, copy.length - 10));

        ChecksummedJson.CorruptDocumentException refused = assertThrows(ChecksummedJson.CorruptDocumentException.class,
                () -> journals.get(MAIN, rollingBack.id()));
        assertEquals("shelter-run-journal checksum mismatch", refused.getMessage());
        assertThrows(ChecksummedJson.CorruptDocumentException.class, () -> journals.unfinished(),
                "a run whose journal cannot be read is never taken for finished");
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
        assertTrue(text.contains(from), "the journal holds " + from + ":\n" + text);
        return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
    }
}
