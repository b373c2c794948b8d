package dev.shelter.storage.blob.s3;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreContract;
import dev.shelter.storage.blob.BlobStoreException;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract against a real S3 server: s3proxy from the local stack, or MinIO in a container. */
@RealS3
class S3BlobStoreIT extends BlobStoreContract {

    private final S3Server server;
    private String bucket;

    S3BlobStoreIT(S3Server server) {
        this.server = server;
    }

    @Override
    protected BlobStore newEmptyStore() {
        bucket = server.createBucket("contract");
        return S3BlobStore.open(server.storeConfig(bucket, "cluster-a"));
    }

    @AfterEach
    void dropBucket() {
        server.deleteBucket(bucket);
    }

    @Test
    void largeFileGoesUpInPartsUnderThePrefix() throws Exception {
        Path source = scratch.resolve("twenty-mib.bin");
        byte[] content = new byte[LARGE_OBJECT_BYTES];
        new Random(7).nextBytes(content);
        Files.write(source, content);

        store.put(BlobKey.of("big"), source);

        try (S3Client client = server.newClient()) {
            String etag = client.headObject(b -> b.bucket(bucket).key("cluster-a/big")).eTag();
            // A multipart ETag ends in -<part count>: 20 MiB in 8 MiB parts is 3 parts.
            assertTrue(etag.replace("\"", "").endsWith("-3"), "expected a 3-part upload, ETag was " + etag);
            assertEquals(0, client.listMultipartUploads(b -> b.bucket(bucket)).uploads().size(), "no upload left open");
        }
        assertEquals(sha256(content), sha256(readAll(BlobKey.of("big"))));
    }

    @Test
    void eachObjectCarriesItsSha256AndADamagedOneFailsItsReader() throws Exception {
        byte[] content = "WAL or a chunk: bytes a restore will trust".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        store.put(BlobKey.of("checked"), content);

        try (S3Client client = server.newClient()) {
            var head = client.headObject(b -> b.bucket(bucket).key("cluster-a/checked"));
            assertEquals(sha256(content), head.metadata().get(S3BlobStore.SHA256_METADATA));
            byte[] damaged = content.clone();
            damaged[3] ^= 1;
            client.putObject(b -> b.bucket(bucket).key("cluster-a/checked").metadata(head.metadata()),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(damaged));
        }
        try (java.io.InputStream in = store.open(BlobKey.of("checked")).orElseThrow()) {
            java.io.IOException refused = assertThrows(java.io.IOException.class, in::readAllBytes);
            assertTrue(refused.getMessage().contains("damaged"), refused.getMessage());
        }
    }

    /**
     * Every write asks for AES256, and each has one of two outcomes, both checked: a server that
     * cannot encrypt (s3proxy answers 501) fails the write at once, saying why, and holds nothing
     * under the key, not even an unfinished upload; a server that accepts the write reports the
     * stored object encrypted with AES256.
     */
    @Test
    void serverSideEncryptionIsAskedForOnEveryWriteAndNeverSilentlyDropped() throws Exception {
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutionInterceptor watch = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                asked.add(context.httpRequest().firstMatchingHeader("x-amz-server-side-encryption").orElse("none"));
            }
        };
        Path large = scratch.resolve("twelve-mib.bin");
        Files.write(large, new byte[12 << 20]);
        java.util.Map<String, Runnable> writes = new java.util.LinkedHashMap<>();
        try (BlobStore encrypted = S3BlobStore.open(server.storeConfig(bucket, "sse").withServerSideEncryption("AES256", null),
                java.util.List.of(watch));
             S3Client client = server.newClient()) {
            writes.put("small", () -> encrypted.put(BlobKey.of("small"), new byte[] {1, 2, 3}));
            writes.put("large", () -> encrypted.put(BlobKey.of("large"), large));
            for (var write : writes.entrySet()) {
                String key = "sse/" + write.getKey();
                int before = asked.size();
                BlobStoreException refused = null;
                try {
                    write.getValue().run();
                } catch (BlobStoreException e) {
                    refused = e;
                }
                assertTrue(asked.size() > before && asked.get(before).equals("AES256"), write.getKey() + " asks for AES256: " + asked);
                if (refused != null) {
                    assertTrue(refused.getCause().getMessage().contains("encryption"), refused.getCause().getMessage());
                    assertThrows(software.amazon.awssdk.services.s3.model.NoSuchKeyException.class,
                            () -> client.headObject(b -> b.bucket(bucket).key(key)), key + " was refused, yet stored in the clear");
                    assertEquals(0, client.listMultipartUploads(b -> b.bucket(bucket)).uploads().size(),
                            "a refused " + write.getKey() + " write leaves no upload open");
                } else {
                    assertEquals(software.amazon.awssdk.services.s3.model.ServerSideEncryption.AES256,
                            client.headObject(b -> b.bucket(bucket).key(key)).serverSideEncryption(),
                            key + " was accepted, so the server must report it encrypted");
                }
            }
        }
    }

    @Test
    void aDeniedRequestIsNotRetriedButARefusedConnectionIs() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        ExecutionInterceptor count = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                attempts.incrementAndGet();
            }
        };
        S3BlobStoreConfig good = server.storeConfig(bucket, "");
        S3BlobStoreConfig wrongSecret = new S3BlobStoreConfig(good.endpoint(), good.region(), good.bucket(), "", true,
                good.accessKeyId(), good.secretAccessKey() + "-wrong", good.partSizeBytes());
        try (BlobStore denied = S3BlobStore.open(wrongSecret, java.util.List.of(count))) {
            assertThrows(BlobStoreException.class, () -> denied.put(BlobKey.of("x"), new byte[] {1}));
        }
        assertEquals(1, attempts.get(), "403 is final");

        attempts.set(0);
        // Held for this JVM and bound by nobody: refused for sure, unlike a port found free that anyone may take.
        int closedPort = dev.shelter.testing.Ports.reserve();
        S3BlobStoreConfig nobody = new S3BlobStoreConfig(java.util.Optional.of(java.net.URI.create("http://127.0.0.1:" + closedPort)),
                good.region(), good.bucket(), "", true, good.accessKeyId(), good.secretAccessKey(), good.partSizeBytes());
        try (BlobStore refused = S3BlobStore.open(nobody, java.util.List.of(count))) {
            assertThrows(BlobStoreException.class, () -> refused.put(BlobKey.of("x"), new byte[] {1}));
        }
        assertEquals(4, attempts.get(), "a refused connection is tried again, with a backoff, up to 4 attempts");
    }

    /** More keys than one DeleteObjects request may name: every one is gone, in several requests. */
    @Test
    void deleteAllGoesInBatchesOfTheKeysOneRequestMayName() {
        List<BlobKey> pieces = new ArrayList<>();
        for (int i = 0; i <= S3BlobStore.KEYS_PER_DELETE; i++) {
            pieces.add(BlobKey.of(String.format("pieces/%05d", i)));
        }
        pieces.parallelStream().forEach(key -> store.put(key, new byte[] {7}));
        assertEquals(pieces.size(), store.list("pieces/").size());

        store.deleteAll(pieces);

        assertEquals(List.of(), store.list("pieces/"));
    }

    @Test
    void probeFailsForAMissingBucket() {
        try (BlobStore missing = S3BlobStore.open(server.storeConfig(bucket + "-absent", ""))) {
            assertThrows(BlobStoreException.class, missing::probe);
        }
    }

    /**
     * A server that ignores If-None-Match (the header is taken off each request here, as older
     * S3-compatible servers drop it) still gives one winner of ten, through the read-back.
     */
    @Test
    void createsStayExclusiveOnAServerThatIgnoresIfNoneMatch() throws Exception {
        ExecutionInterceptor dropCondition = new ExecutionInterceptor() {
            @Override
            public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context,
                                                                                ExecutionAttributes attributes) {
                return context.httpRequest().toBuilder().removeHeader("If-None-Match").build();
            }
        };
        try (BlobStore lenient = S3BlobStore.open(server.storeConfig(bucket, "lenient"), java.util.List.of(dropCondition))) {
            BlobKey key = BlobKey.of("00000003.history");
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(10);
            try {
                java.util.List<java.util.concurrent.Future<Boolean>> outcomes = new java.util.ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    byte[] content = ("writer " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    outcomes.add(pool.submit(() -> lenient.putIfAbsent(key, content)));
                }
                java.util.List<Integer> winners = new java.util.ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    if (outcomes.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS)) {
                        winners.add(i);
                    }
                }
                assertEquals(1, winners.size(), "writers told their bytes were stored: " + winners);
                try (java.io.InputStream in = lenient.open(key).orElseThrow()) {
                    assertEquals("writer " + winners.get(0), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
