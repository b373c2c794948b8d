package dev.shelter.storage.blob.s3;

import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreContract;
import dev.shelter.storage.blob.BlobStoreException;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

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
    void probeFailsForAMissingBucket() {
        try (BlobStore missing = S3BlobStore.open(server.storeConfig(bucket + "-absent", ""))) {
            assertThrows(BlobStoreException.class, missing::probe);
        }
    }
}
