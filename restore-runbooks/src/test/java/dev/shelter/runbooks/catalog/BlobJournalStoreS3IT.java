package dev.shelter.runbooks.catalog;

import dev.shelter.runbooks.engine.JournalStore;
import dev.shelter.runbooks.engine.JournalStoreContract;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import org.junit.jupiter.api.AfterEach;

/** The journal store contract against a real S3 server: s3proxy from the local stack, or MinIO in a container. */
@RealS3
class BlobJournalStoreS3IT extends JournalStoreContract {

    private final S3Server server;
    private String bucket;
    private BlobStore blobs;

    BlobJournalStoreS3IT(S3Server server) {
        this.server = server;
    }

    @Override
    protected JournalStore newEmptyStore() {
        bucket = server.createBucket("journals");
        blobs = S3BlobStore.open(server.storeConfig(bucket, "shelter"));
        return new BlobJournalStore(blobs, new JournalCodec());
    }

    @AfterEach
    void dropBucket() {
        blobs.close();
        server.deleteBucket(bucket);
    }
}
