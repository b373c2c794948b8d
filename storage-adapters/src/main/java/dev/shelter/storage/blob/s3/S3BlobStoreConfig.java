package dev.shelter.storage.blob.s3;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * An S3-compatible bucket. {@code endpoint} is empty for AWS itself; s3proxy, MinIO and Ceph RGW
 * need it and usually {@code pathStyle}. Keys are stored under {@code prefix} (may be empty).
 */
public record S3BlobStoreConfig(
        Optional<URI> endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        String accessKeyId,
        String secretAccessKey,
        long partSizeBytes) {

    /** S3's own lower bound for every part but the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;

    public S3BlobStoreConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(accessKeyId, "access key id");
        Objects.requireNonNull(secretAccessKey, "secret access key");
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (partSizeBytes < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part size must be at least " + MIN_PART_SIZE + " bytes");
        }
    }

    @Override
    public String toString() {
        return "S3BlobStoreConfig[endpoint=" + endpoint.map(URI::toString).orElse("aws") + ", region=" + region
                + ", bucket=" + bucket + ", prefix=" + prefix + ", pathStyle=" + pathStyle + "]";
    }
}
