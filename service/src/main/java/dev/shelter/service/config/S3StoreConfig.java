package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStoreConfig;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.net.URI;
import java.util.Optional;

/** An S3-compatible bucket. Leave {@code endpoint} empty for AWS; s3proxy/MinIO/RGW need it and {@code pathStyle: true}. */
public class S3StoreConfig implements ObjectStoreConfig {

    @JsonProperty
    public String endpoint;

    @NotEmpty
    @JsonProperty
    public String region = "us-east-1";

    @NotEmpty
    @JsonProperty
    public String bucket;

    @JsonProperty
    public String prefix = "";

    @JsonProperty
    public boolean pathStyle = true;

    @NotNull
    @JsonProperty
    public Secret accessKeyId;

    @NotNull
    @JsonProperty
    public Secret secretAccessKey;

    @Min(S3BlobStoreConfig.MIN_PART_SIZE)
    @JsonProperty
    public long partSizeBytes = S3BlobStoreConfig.DEFAULT_PART_SIZE;

    /** Asks the server to encrypt each object: AES256 (SSE-S3) or aws:kms (SSE-KMS, with kmsKeyId or the bucket's key). */
    @Pattern(regexp = "AES256|aws:kms|aws:kms:dsse", message = "must be AES256, aws:kms or aws:kms:dsse")
    @JsonProperty
    public String serverSideEncryption;

    @JsonProperty
    public String kmsKeyId;

    @Override
    public BlobStore open() {
        return S3BlobStore.open(new S3BlobStoreConfig(
                Optional.ofNullable(endpoint).filter(e -> !e.isBlank()).map(URI::create), region, bucket, prefix, pathStyle,
                accessKeyId.reveal(), secretAccessKey.reveal(), partSizeBytes, Optional.ofNullable(serverSideEncryption),
                Optional.ofNullable(kmsKeyId)));
    }
}
