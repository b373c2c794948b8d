package dev.shelter.storage.blob.s3;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Blobs as objects in one S3-compatible bucket, under a key prefix. */
public final class S3BlobStore implements BlobStore {

    private static final int NOT_FOUND = 404;

    private final S3Client client;
    private final S3BlobStoreConfig config;

    private S3BlobStore(S3Client client, S3BlobStoreConfig config) {
        this.client = client;
        this.config = config;
    }

    public static S3BlobStore open(S3BlobStoreConfig config) {
        return new S3BlobStore(newClient(config), config);
    }

    /** A plain client for the configured endpoint; tests and tooling use it to prepare buckets. */
    public static S3Client newClient(S3BlobStoreConfig config) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey())))
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Override
    public void put(BlobKey key, Path source) {
        try {
            long size = Files.size(source);
            if (size <= config.partSizeBytes()) {
                client.putObject(b -> b.bucket(config.bucket()).key(objectKey(key)), RequestBody.fromFile(source));
            } else {
                putInParts(key, source, size);
            }
        } catch (IOException | SdkException e) {
            throw new BlobStoreException("cannot put " + key + " into " + describe(), e);
        }
    }

    @Override
    public void put(BlobKey key, byte[] content) {
        try {
            client.putObject(b -> b.bucket(config.bucket()).key(objectKey(key)), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new BlobStoreException("cannot put " + key + " into " + describe(), e);
        }
    }

    @Override
    public Optional<InputStream> open(BlobKey key) {
        try {
            return Optional.of(client.getObject(b -> b.bucket(config.bucket()).key(objectKey(key))));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new BlobStoreException("cannot get " + key + " from " + describe(), e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(BlobKey key) {
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(config.bucket()).key(objectKey(key)));
            return Optional.of(new BlobInfo(key, head.contentLength()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == NOT_FOUND) {
                return Optional.empty();
            }
            throw new BlobStoreException("cannot stat " + key + " in " + describe(), e);
        } catch (SdkException e) {
            throw new BlobStoreException("cannot stat " + key + " in " + describe(), e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) {
        BlobKey.requireValidPrefix(prefix);
        List<BlobInfo> found = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(config.prefix() + prefix)).contents()) {
                found.add(new BlobInfo(BlobKey.of(object.key().substring(config.prefix().length())), object.size()));
            }
        } catch (SdkException e) {
            throw new BlobStoreException("cannot list '" + prefix + "' in " + describe(), e);
        }
        return found;
    }

    @Override
    public void delete(BlobKey key) {
        try {
            client.deleteObject(b -> b.bucket(config.bucket()).key(objectKey(key)));
        } catch (SdkException e) {
            throw new BlobStoreException("cannot delete " + key + " from " + describe(), e);
        }
    }

    @Override
    public void probe() {
        try {
            client.headBucket(b -> b.bucket(config.bucket()));
            client.listObjectsV2(b -> b.bucket(config.bucket()).prefix(config.prefix()).maxKeys(1));
        } catch (SdkException e) {
            throw new BlobStoreException("bucket " + describe() + " is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "s3://" + config.bucket() + "/" + config.prefix() + " at " + config.endpoint().map(Object::toString).orElse("AWS " + config.region());
    }

    @Override
    public void close() {
        client.close();
    }

    private String objectKey(BlobKey key) {
        return config.prefix() + key.value();
    }

    /** A multipart upload is aborted on any failure, so no invisible parts keep costing storage. */
    private void putInParts(BlobKey key, Path source, long size) throws IOException {
        String objectKey = objectKey(key);
        String uploadId = client.createMultipartUpload(b -> b.bucket(config.bucket()).key(objectKey)).uploadId();
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.READ)) {
            List<CompletedPart> parts = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate((int) config.partSizeBytes());
            long offset = 0;
            for (int partNumber = 1; offset < size; partNumber++) {
                buffer.clear();
                while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                    // fill the part
                }
                buffer.flip();
                int length = buffer.remaining();
                int number = partNumber;
                String etag = client.uploadPart(
                        b -> b.bucket(config.bucket()).key(objectKey).uploadId(uploadId).partNumber(number).contentLength((long) length),
                        RequestBody.fromByteBuffer(buffer)).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                offset += length;
            }
            client.completeMultipartUpload(b -> b.bucket(config.bucket()).key(objectKey).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
        } catch (IOException | RuntimeException e) {
            abortQuietly(objectKey, uploadId, e);
            throw e;
        }
    }

    private void abortQuietly(String objectKey, String uploadId, Exception cause) {
        try {
            client.abortMultipartUpload(b -> b.bucket(config.bucket()).key(objectKey).uploadId(uploadId));
        } catch (SdkException abortFailure) {
            cause.addSuppressed(abortFailure);
        }
    }
}
