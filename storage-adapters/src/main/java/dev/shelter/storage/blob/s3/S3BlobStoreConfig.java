package dev.shelter.storage.blob.s3;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An S3-compatible bucket. {@code endpoint} is empty for AWS itself; s3proxy, MinIO and Ceph RGW
 * need it and usually {@code pathStyle}. Keys are stored under {@code prefix} (may be empty).
 * {@code serverSideEncryption} asks the server to encrypt what it stores ({@code AES256} or
 * {@code aws:kms}, with {@code kmsKeyId} or the bucket's default key); empty leaves it to the
 * bucket's policy.
 */
public record S3BlobStoreConfig(
        Optional<URI> endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        String accessKeyId,
        String secretAccessKey,
        long partSizeBytes,
        Optional<String> serverSideEncryption,
        Optional<String> kmsKeyId) {

    /** S3's own lower bound for every part but the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;
    public static final Set<String> SERVER_SIDE_ENCRYPTIONS = Set.of("AES256", "aws:kms", "aws:kms:dsse");

    public S3BlobStoreConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(accessKeyId, "access key id");
        Objects.requireNonNull(secretAccessKey, "secret access key");
        serverSideEncryption = serverSideEncryption == null ? Optional.empty() : serverSideEncryption.filter(s -> !s.isBlank());
        kmsKeyId = kmsKeyId == null ? Optional.empty() : kmsKeyId.filter(s -> !s.isBlank());
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (partSizeBytes < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part size must be at least " + MIN_PART_SIZE + " bytes");
        }
        if (serverSideEncryption.isPresent() && !SERVER_SIDE_ENCRYPTIONS.contains(serverSideEncryption.get())) {
            throw new IllegalArgumentException("server-side encryption must be one of " + SERVER_SIDE_ENCRYPTIONS + ", not '"
                    + serverSideEncryption.get() + "'");
        }
        if (kmsKeyId.isPresent() && !serverSideEncryption.orElse("").startsWith("aws:kms")) {
            throw new IllegalArgumentException("a KMS key id needs serverSideEncryption aws:kms");
        }
    }

    /** Without server-side encryption options. */
    public S3BlobStoreConfig(Optional<URI> endpoint, String region, String bucket, String prefix, boolean pathStyle,
                             String accessKeyId, String secretAccessKey, long partSizeBytes) {
        this(endpoint, region, bucket, prefix, pathStyle, accessKeyId, secretAccessKey, partSizeBytes, Optional.empty(),
                Optional.empty());
    }

    public S3BlobStoreConfig withServerSideEncryption(String algorithm, String keyId) {
        return new S3BlobStoreConfig(endpoint, region, bucket, prefix, pathStyle, accessKeyId, secretAccessKey, partSizeBytes,
                Optional.ofNullable(algorithm), Optional.ofNullable(keyId));
    }

    @Override
    public String toString() {
        return "S3BlobStoreConfig[endpoint=" + endpoint.map(URI::toString).orElse("aws") + ", region=" + region
                + ", bucket=" + bucket + ", prefix=" + prefix + ", pathStyle=" + pathStyle
                + serverSideEncryption.map(s -> ", sse=" + s).orElse("") + "]";
    }
}
