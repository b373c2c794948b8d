package dev.shelter.storage.offsite;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobStoreException;
import dev.shelter.storage.blob.fs.FsBlobStore;
import dev.shelter.storage.blob.fs.FsBlobStoreConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The off-site repository's chunks on a local directory store: what is stored, what reads back, and what is refused. */
class OffsiteRepositoryTest {

    private static final byte[] SECRET_ROW = "customer 4711 owes 1234.56 EUR; ".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path work;
    private FsBlobStore store;

    @BeforeEach
    void openStore() {
        store = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("bucket")));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void aPlainChunkIsNamedByItsSha256StoredOnceAndReadBackExactly() throws Exception {
        ChunkStore chunks = OffsiteRepository.open(store, Optional.empty()).chunks();
        byte[] page = repeated(SECRET_ROW, 4 << 20);

        ChunkStore.Put first = chunks.put(page);
        ChunkStore.Put again = chunks.put(page.clone());

        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(page)), first.id().hex());
        assertTrue(first.uploaded());
        assertFalse(again.uploaded(), "the same bytes are stored once");
        assertEquals(first.id(), again.id());
        assertTrue(first.storedBytes() < page.length / 100, "repeated rows compress: " + first.storedBytes());
        assertEquals(1, store.list(ChunkStore.PREFIX).size());
        assertArrayEquals(page, chunks.get(first.id()));
    }

    @Test
    void incompressibleBytesAreStoredAsTheyAre() {
        ChunkStore chunks = OffsiteRepository.open(store, Optional.empty()).chunks();
        byte[] noise = new byte[1 << 20];
        new Random(7).nextBytes(noise);

        ChunkStore.Put put = chunks.put(noise);

        assertTrue(put.storedBytes() <= noise.length + 13, "no bigger than the bytes and the header: " + put.storedBytes());
        assertArrayEquals(noise, chunks.get(put.id()));
    }

    @Test
    void anEncryptedChunkShowsNoPlaintextAndItsNameRevealsNothing() throws Exception {
        MasterKey key = randomKey(1);
        ChunkStore chunks = OffsiteRepository.open(store, Optional.of(key)).chunks();
        byte[] page = repeated(SECRET_ROW, 4 << 20);

        ChunkStore.Put put = chunks.put(page);

        assertNotEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(page)), put.id().hex());
        assertFalse(chunks.put(page).uploaded(), "encrypted chunks dedup too");
        for (BlobInfo object : store.list("offsite/")) {
            byte[] stored;
            try (InputStream in = store.open(object.key()).orElseThrow()) {
                stored = in.readAllBytes();
            }
            assertEquals(-1, indexOf(stored, Arrays.copyOf(SECRET_ROW, 16)), object.key() + " holds plaintext");
        }
        assertArrayEquals(page, chunks.get(put.id()));
        assertArrayEquals(page, OffsiteRepository.open(store, Optional.of(key)).chunks().get(put.id()), "another opening reads it");
    }

    @Test
    void aRepositoryOpensOnlyWithItsOwnKey() {
        MasterKey key = randomKey(1);
        ChunkId id = OffsiteRepository.open(store, Optional.of(key)).chunks().put(SECRET_ROW).id();

        DataKeys.WrongKeyException wrong = assertThrows(DataKeys.WrongKeyException.class,
                () -> OffsiteRepository.open(store, Optional.of(randomKey(2))));
        DataKeys.WrongKeyException none = assertThrows(DataKeys.WrongKeyException.class,
                () -> OffsiteRepository.open(store, Optional.empty()));

        assertTrue(wrong.getMessage().contains("is encrypted under master key " + key.id() + ", not " + randomKey(2).id()),
                wrong.getMessage());
        assertTrue(none.getMessage().contains("configure its master key (" + key.id() + ")"), none.getMessage());
        assertArrayEquals(SECRET_ROW, OffsiteRepository.open(store, Optional.of(key)).chunks().get(id));

        try (FsBlobStore plain = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("plain")))) {
            OffsiteRepository.open(plain, Optional.empty());
            assertThrows(DataKeys.WrongKeyException.class, () -> OffsiteRepository.open(plain, Optional.of(key)),
                    "a plain repository never turns encrypted");
        }
    }

    @Test
    void aRotatedMasterKeyOpensEveryChunkAndTheOldOneNoLonger() {
        MasterKey old = randomKey(1);
        MasterKey next = randomKey(3);
        ChunkId id = OffsiteRepository.open(store, Optional.of(old)).chunks().put(SECRET_ROW).id();
        List<BlobInfo> chunksBefore = store.list(ChunkStore.PREFIX);

        OffsiteRepository.rotateMasterKey(store, old, next);

        assertArrayEquals(SECRET_ROW, OffsiteRepository.open(store, Optional.of(next)).chunks().get(id));
        assertThrows(DataKeys.WrongKeyException.class, () -> OffsiteRepository.open(store, Optional.of(old)));
        assertEquals(chunksBefore, store.list(ChunkStore.PREFIX), "no chunk is rewritten");
        assertThrows(DataKeys.WrongKeyException.class, () -> OffsiteRepository.rotateMasterKey(store, old, next));
    }

    @Test
    void aDamagedMissingOrMovedChunkIsRefusedByName() {
        for (Optional<MasterKey> key : List.of(Optional.<MasterKey>empty(), Optional.of(randomKey(1)))) {
            try (FsBlobStore bucket = FsBlobStore.open(new FsBlobStoreConfig(work.resolve("damage-" + key.isPresent())))) {
                ChunkStore chunks = OffsiteRepository.open(bucket, key).chunks();
                ChunkId first = chunks.put(repeated(SECRET_ROW, 1 << 16)).id();
                ChunkId second = chunks.put("another chunk".getBytes(StandardCharsets.US_ASCII)).id();
                byte[] stored = read(bucket, first);

                byte[] flipped = stored.clone();
                flipped[flipped.length - 1] ^= 1;
                bucket.put(ChunkStore.key(first), flipped);
                CorruptChunkException altered = assertThrows(CorruptChunkException.class, () -> chunks.get(first));
                assertEquals(first, altered.chunk());

                bucket.put(ChunkStore.key(first), read(bucket, second));
                assertEquals(first, assertThrows(CorruptChunkException.class, () -> chunks.get(first)).chunk(),
                        "another chunk's object under this name");

                bucket.delete(ChunkStore.key(first));
                CorruptChunkException missing = assertThrows(CorruptChunkException.class, () -> chunks.get(first));
                assertTrue(missing.getMessage().startsWith("chunk " + first + " is missing"), missing.getMessage());
            }
        }
    }

    @Test
    void aDamagedDescriptorAndABadKeyFileAreRefusedSayingWhy() throws Exception {
        OffsiteRepository.open(store, Optional.empty());
        store.put(OffsiteRepository.DESCRIPTOR, "shelter-offsite-repository 1\nsealing plain\nsha256 00\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertThrows(BlobStoreException.class, () -> OffsiteRepository.open(store, Optional.empty())).getMessage()
                .contains("is damaged"));

        Path base64 = Files.writeString(work.resolve("master.key"), Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        Path raw = Files.write(work.resolve("raw.key"), new byte[32]);
        Path shortKey = Files.writeString(work.resolve("short.key"), "tooshort");
        assertEquals(MasterKey.of(new byte[32]).id(), MasterKey.fromFile(base64).id());
        assertEquals(MasterKey.of(new byte[32]).id(), MasterKey.fromFile(raw).id());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MasterKey.fromFile(shortKey)).getMessage()
                .contains("holds neither 32 bytes nor their base64"));
        assertFalse(MasterKey.of(new byte[32]).toString().contains("AAAA"), "a key's description does not show it");
    }

    private static MasterKey randomKey(int seed) {
        byte[] bytes = new byte[32];
        new Random(seed).nextBytes(bytes);
        return MasterKey.of(bytes);
    }

    private static byte[] repeated(byte[] row, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = row[i % row.length];
        }
        return bytes;
    }

    private static byte[] read(FsBlobStore bucket, ChunkId id) {
        try (InputStream in = bucket.open(ChunkStore.key(id)).orElseThrow()) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
