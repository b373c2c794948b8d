package dev.shelter.storage.blob.s3;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.KeyLocks;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Blobs as objects in one S3-compatible bucket, under a key prefix. */
public final class S3BlobStore implements BlobStore {

    private static final int NOT_FOUND = 404;
    private static final int MAX_ATTEMPTS = 4;
    /** User metadata (x-amz-meta-shelter-sha256): the SHA-256 of the bytes as Shelter wrote them. */
    static final String SHA256_METADATA = "shelter-sha256";

    private static final int PRECONDITION_FAILED = 412;
    private static final int CONFLICT = 409;
    private static final int NOT_IMPLEMENTED = 501;
    static final int KEYS_PER_DELETE = 1000;
    private static final String IF_NONE_MATCH_PROBE = ".shelter-if-none-match-probe-";

    private final S3Client client;
    private final S3BlobStoreConfig config;
    /** Serialises creates of one key in this process; the server's If-None-Match covers other processes where it can. */
    private final KeyLocks creating = new KeyLocks();
    /** Whether the server honours {@code If-None-Match: *} on a put; learnt once, by trying. */
    private volatile Boolean serverRefusesExistingKeys;

    private S3BlobStore(S3Client client, S3BlobStoreConfig config) {
        this.client = client;
        this.config = config;
    }

    public static S3BlobStore open(S3BlobStoreConfig config) {
        return new S3BlobStore(newClient(config, List.of()), config);
    }

    /** As {@link #open(S3BlobStoreConfig)}, with interceptors that watch each attempt (tests count retries with one). */
    static S3BlobStore open(S3BlobStoreConfig config, List<ExecutionInterceptor> interceptors) {
        return new S3BlobStore(newClient(config, interceptors), config);
    }

    /** A plain client for the configured endpoint; tests and tooling use it to prepare buckets. */
    public static S3Client newClient(S3BlobStoreConfig config) {
        return newClient(config, List.of());
    }

    private static S3Client newClient(S3BlobStoreConfig config, List<ExecutionInterceptor> interceptors) {
        // Retries only what TransientS3Failure calls transient, with a backoff; no circuit breaker,
        // which would turn a store that is back into failures until its bucket refills.
        StandardRetryStrategy retries = StandardRetryStrategy.builder()
                .retryOnException(TransientS3Failure::isTransient)
                .maxAttempts(MAX_ATTEMPTS)
                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(200), Duration.ofSeconds(5)))
                .circuitBreakerEnabled(false)
                .build();
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                // No CRC32 of every body besides the SHA-256 each object carries (checked on every read),
                // which the signature covers over http and TLS protects over https: with many clusters
                // streaming, a piece every 250 ms each, the extra pass and chunked trailer cost a good
                // part of Shelter's CPU. Operations that require a checksum still get one.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey())))
                .overrideConfiguration(o -> o.retryStrategy(retries).executionInterceptors(interceptors))
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
            String sha256 = sha256Of(source);
            if (size <= config.partSizeBytes()) {
                client.putObject(b -> describeObject(b.bucket(config.bucket()).key(objectKey(key)), sha256), RequestBody.fromFile(source));
            } else {
                putInParts(key, source, size, sha256);
            }
        } catch (IOException | SdkException e) {
            throw new BlobStoreException("cannot put " + key + " into " + describe(), e);
        }
    }

    @Override
    public void put(BlobKey key, byte[] content) {
        put(key, content, HexFormat.of().formatHex(Sha256CheckingInputStream.sha256().digest(content)));
    }

    private void put(BlobKey key, byte[] content, String sha256) {
        try {
            client.putObject(b -> describeObject(b.bucket(config.bucket()).key(objectKey(key)), sha256), unsafeBody(content));
        } catch (SdkException e) {
            throw new BlobStoreException("cannot put " + key + " into " + describe(), e);
        }
    }

    /**
     * {@code If-None-Match: *} where the server honours it (AWS since 2024, MinIO, Ceph RGW), so that
     * writers in other processes are refused by the server itself. Where it does not (s3proxy's
     * filesystem backend ignores the header), a head, the put and a read-back of the stored SHA-256,
     * serialised per key in this process: that is exact for one Shelter, and a writer whose bytes
     * lost is never told they were stored.
     */
    @Override
    public boolean putIfAbsent(BlobKey key, byte[] content) {
        String sha256 = HexFormat.of().formatHex(Sha256CheckingInputStream.sha256().digest(content));
        try (KeyLocks.Held held = creating.lock(key.value())) {
            if (serverRefusesExistingKeys()) {
                return putUnlessPresent(objectKey(key), content, sha256);
            }
            if (stat(key).isPresent()) {
                return false;
            }
            put(key, content, sha256);
            return sha256.equals(storedSha256(key).orElse(null));
        } catch (SdkException e) {
            throw new BlobStoreException("cannot create " + key + " in " + describe(), e);
        }
    }

    /** The put with {@code If-None-Match: *}: false when the server says the key exists. */
    private boolean putUnlessPresent(String objectKey, byte[] content, String sha256) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.putObject(b -> describeObject(b.bucket(config.bucket()).key(objectKey), sha256).ifNoneMatch("*"),
                        unsafeBody(content));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == PRECONDITION_FAILED) {
                    return false;
                }
                // AWS answers 409 while another conditional write of the key is under way: ask again.
                if (e.statusCode() != CONFLICT || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private boolean serverRefusesExistingKeys() {
        Boolean known = serverRefusesExistingKeys;
        if (known == null) {
            known = probeIfNoneMatch();
            serverRefusesExistingKeys = known;
        }
        return known;
    }

    /** Puts a probe object twice with If-None-Match: the server honours it if the second put is refused. */
    private boolean probeIfNoneMatch() {
        String probeKey = config.prefix() + IF_NONE_MATCH_PROBE + java.util.UUID.randomUUID();
        byte[] probe = {1};
        String sha256 = HexFormat.of().formatHex(Sha256CheckingInputStream.sha256().digest(probe));
        try {
            putUnlessPresent(probeKey, probe, sha256);
            return !putUnlessPresent(probeKey, probe, sha256);
        } catch (S3Exception e) {
            if (e.statusCode() == NOT_IMPLEMENTED) {
                return false;
            }
            throw e;
        } finally {
            client.deleteObject(b -> b.bucket(config.bucket()).key(probeKey));
        }
    }

    private Optional<String> storedSha256(BlobKey key) {
        try {
            return Optional.ofNullable(client.headObject(b -> b.bucket(config.bucket()).key(objectKey(key))).metadata().get(SHA256_METADATA));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<InputStream> open(BlobKey key) {
        try {
            ResponseInputStream<GetObjectResponse> object = client.getObject(b -> b.bucket(config.bucket()).key(objectKey(key)));
            String sha256 = object.response().metadata().get(SHA256_METADATA);
            // Objects written before checksums, or by other tools, carry none: they are served as they are.
            return Optional.of(sha256 == null ? object : new Sha256CheckingInputStream(object, sha256, key + " in " + describe()));
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

    /** In requests of at most {@value #KEYS_PER_DELETE} keys (S3's limit for DeleteObjects), quiet: only failures are answered. */
    @Override
    public void deleteAll(Collection<BlobKey> keys) {
        List<ObjectIdentifier> batch = new ArrayList<>(Math.min(keys.size(), KEYS_PER_DELETE));
        for (BlobKey key : keys) {
            batch.add(ObjectIdentifier.builder().key(objectKey(key)).build());
            if (batch.size() == KEYS_PER_DELETE) {
                deleteBatch(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            deleteBatch(batch);
        }
    }

    private void deleteBatch(List<ObjectIdentifier> batch) {
        DeleteObjectsResponse answer;
        try {
            answer = client.deleteObjects(b -> b.bucket(config.bucket()).delete(d -> d.objects(batch).quiet(true)));
        } catch (SdkException e) {
            throw new BlobStoreException("cannot delete " + batch.size() + " blobs (the first " + batch.get(0).key() + ") from "
                    + describe(), e);
        }
        if (answer.hasErrors() && !answer.errors().isEmpty()) {
            S3Error first = answer.errors().get(0);
            throw new BlobStoreException("cannot delete " + answer.errors().size() + " of " + batch.size() + " blobs from " + describe()
                    + ", the first " + first.key() + ": " + first.code() + " " + first.message());
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

    /** The SHA-256 of the bytes, for the reader to check, and the server-side encryption asked for. */
    private PutObjectRequest.Builder describeObject(PutObjectRequest.Builder request, String sha256) {
        request.metadata(Map.of(SHA256_METADATA, sha256));
        config.serverSideEncryption().ifPresent(request::serverSideEncryption);
        config.kmsKeyId().ifPresent(request::ssekmsKeyId);
        return request;
    }

    /** The bytes as the request's body without the copy {@code RequestBody.fromBytes} makes: a put never changes them. */
    private static RequestBody unsafeBody(byte[] content) {
        return RequestBody.fromContentProvider(ContentStreamProvider.fromByteArrayUnsafe(content), content.length,
                "application/octet-stream");
    }

    private static String sha256Of(Path source) throws IOException {
        MessageDigest digest = Sha256CheckingInputStream.sha256();
        try (InputStream in = Files.newInputStream(source)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private String objectKey(BlobKey key) {
        return config.prefix() + key.value();
    }

    /** A multipart upload is aborted on any failure, so no invisible parts keep costing storage. */
    private void putInParts(BlobKey key, Path source, long size, String sha256) throws IOException {
        String objectKey = objectKey(key);
        String uploadId = client.createMultipartUpload(b -> {
            b.bucket(config.bucket()).key(objectKey).metadata(Map.of(SHA256_METADATA, sha256));
            config.serverSideEncryption().ifPresent(b::serverSideEncryption);
            config.kmsKeyId().ifPresent(b::ssekmsKeyId);
        }).uploadId();
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
