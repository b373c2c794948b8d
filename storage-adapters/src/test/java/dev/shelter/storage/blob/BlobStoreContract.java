package dev.shelter.storage.blob;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link BlobStore} adapter must do. Each adapter's test extends this class. */
public abstract class BlobStoreContract {

    protected static final int LARGE_OBJECT_BYTES = 20 * 1024 * 1024;

    @TempDir
    protected Path scratch;

    protected BlobStore store;

    /** A fresh, empty store for one test. */
    protected abstract BlobStore newEmptyStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newEmptyStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void putThenOpenReturnsTheSameBytes() throws IOException {
        byte[] content = "backup_label bytes\n".getBytes(StandardCharsets.UTF_8);
        store.put(BlobKey.of("manifests/b1.json"), content);
        assertArrayEquals(content, readAll(BlobKey.of("manifests/b1.json")));
        assertEquals(Optional.of(new BlobInfo(BlobKey.of("manifests/b1.json"), content.length)), store.stat(BlobKey.of("manifests/b1.json")));
    }

    @Test
    void missingBlobIsEmptyNotAnError() {
        assertTrue(store.open(BlobKey.of("no/such/blob")).isEmpty());
        assertTrue(store.stat(BlobKey.of("no/such/blob")).isEmpty());
    }

    @Test
    void putReplacesEarlierContent() throws IOException {
        BlobKey key = BlobKey.of("wal/000000010000000000000001");
        store.put(key, new byte[] {1, 2, 3});
        store.put(key, new byte[] {4, 5});
        assertArrayEquals(new byte[] {4, 5}, readAll(key));
    }

    @Test
    void putIfAbsentCreatesOnceAndNeverReplaces() throws IOException {
        BlobKey key = BlobKey.of("wal/00000002.history");
        assertTrue(store.putIfAbsent(key, new byte[] {1, 2, 3}));
        assertFalse(store.putIfAbsent(key, new byte[] {4, 5}));
        assertFalse(store.putIfAbsent(key, new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, readAll(key));
    }

    /** Ten writers of different bytes race for one new name: exactly one is told it stored, and its bytes are the ones kept. */
    @Test
    void ofTenConcurrentCreatesExactlyOneWinsAndItsBytesAreKept() throws Exception {
        BlobKey key = BlobKey.of("wal/0000000A.history");
        int writers = 10;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] content = ("writer " + i).getBytes(StandardCharsets.UTF_8);
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return store.putIfAbsent(key, content);
                }));
            }
            start.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                if (outcomes.get(i).get(60, TimeUnit.SECONDS)) {
                    winners.add(i);
                }
            }
            assertEquals(1, winners.size(), "writers told their bytes were stored: " + winners);
            assertEquals("writer " + winners.get(0), new String(readAll(key), StandardCharsets.UTF_8));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, store.list("wal/").size(), "no temporary file is left visible");
    }

    @Test
    void listReturnsKeysUnderThePrefixInOrderWithSizes() {
        store.put(BlobKey.of("a/2"), new byte[2]);
        store.put(BlobKey.of("a/1"), new byte[1]);
        store.put(BlobKey.of("a/sub/3"), new byte[3]);
        store.put(BlobKey.of("b/4"), new byte[4]);
        assertEquals(List.of(new BlobInfo(BlobKey.of("a/1"), 1), new BlobInfo(BlobKey.of("a/2"), 2), new BlobInfo(BlobKey.of("a/sub/3"), 3)),
                store.list("a/"));
        assertEquals(4, store.list("").size());
        assertEquals(List.of(new BlobInfo(BlobKey.of("a/sub/3"), 3)), store.list("a/s"));
        assertTrue(store.list("c/").isEmpty());
    }

    @Test
    void listRefusesPrefixesThatCouldLeaveTheStore() {
        store.put(BlobKey.of("a/1"), new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> store.list("../"));
        assertThrows(IllegalArgumentException.class, () -> store.list("a/../"));
        assertThrows(IllegalArgumentException.class, () -> store.list("/a"));
    }

    @Test
    void deleteRemovesTheBlobAndIsIdempotent() {
        BlobKey key = BlobKey.of("chunks/ab/cdef");
        store.put(key, new byte[] {9});
        store.delete(key);
        assertTrue(store.stat(key).isEmpty());
        store.delete(key);
        assertFalse(store.list("chunks/").stream().anyMatch(info -> info.key().equals(key)));
    }

    @Test
    void deleteAllRemovesEveryBlobNamedLeavesTheRestAndSkipsMissingOnes() {
        List<BlobKey> doomed = List.of(BlobKey.of("wal/p/1"), BlobKey.of("wal/p/2"), BlobKey.of("wal/p/3"));
        doomed.forEach(key -> store.put(key, new byte[] {1}));
        store.put(BlobKey.of("wal/p/4"), new byte[] {4});

        store.deleteAll(List.of(doomed.get(0), BlobKey.of("wal/p/never-stored"), doomed.get(1), doomed.get(2)));

        assertEquals(List.of(new BlobInfo(BlobKey.of("wal/p/4"), 1)), store.list("wal/"));
        store.deleteAll(List.of());
        assertEquals(1, store.list("wal/").size());
    }

    @Test
    void largeFileRoundTripKeepsItsSha256() throws IOException {
        Path source = scratch.resolve("large.bin");
        byte[] content = new byte[LARGE_OBJECT_BYTES];
        new Random(42).nextBytes(content);
        Files.write(source, content);
        BlobKey key = BlobKey.of("images/pgdata/large.bin");

        store.put(key, source);

        assertEquals(sha256(content), sha256(readAll(key)));
        assertEquals(LARGE_OBJECT_BYTES, store.stat(key).orElseThrow().sizeBytes());
    }

    @Test
    void probeSucceedsOnAUsableStore() {
        store.probe();
        assertTrue(store.list("").isEmpty(), "probe must leave nothing behind");
    }

    protected byte[] readAll(BlobKey key) throws IOException {
        try (InputStream in = store.open(key).orElseThrow()) {
            return in.readAllBytes();
        }
    }

    protected static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
