package dev.shelter.testing;

import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStoreConfig;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** A real S3-compatible server (s3proxy from the local stack, or MinIO in a container). */
public record S3Server(URI endpoint, String region, String accessKeyId, String secretAccessKey) {

    /** The configuration of a store in the given bucket; path-style, as s3proxy and MinIO need. */
    public S3BlobStoreConfig storeConfig(String bucket, String prefix) {
        return new S3BlobStoreConfig(Optional.of(endpoint), region, bucket, prefix, true, accessKeyId, secretAccessKey,
                S3BlobStoreConfig.DEFAULT_PART_SIZE);
    }

    /** Creates a bucket with a unique name, so that tests never see each other's objects. */
    public String createBucket(String purpose) {
        String bucket = ("shelter-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        try (S3Client client = newClient()) {
            client.createBucket(b -> b.bucket(bucket));
        }
        return bucket;
    }

    /** Deletes every object of the bucket, then the bucket. */
    public void deleteBucket(String bucket) {
        try (S3Client client = newClient()) {
            client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()
                    .forEach(object -> client.deleteObject(b -> b.bucket(bucket).key(object.key())));
            client.deleteBucket(b -> b.bucket(bucket));
        }
    }

    public S3Client newClient() {
        return S3BlobStore.newClient(storeConfig("unused", ""));
    }

    @Override
    public String toString() {
        return "S3 at " + endpoint;
    }
}
