package dev.shelter.service.wal;

import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.s3.S3BlobStore;
import dev.shelter.testing.RealS3;
import dev.shelter.testing.S3Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

import java.time.Clock;

/** The archive contract for both layouts on a real S3 server, where create-only rests on the server's conditional put. */
@RealS3
class WalArchivesOnS3IT {

    private final S3Server server;
    private String bucket;
    private BlobStore store;

    WalArchivesOnS3IT(S3Server server) {
        this.server = server;
    }

    @BeforeEach
    void openBucket() {
        bucket = server.createBucket("wal-contract");
        store = S3BlobStore.open(server.storeConfig(bucket, "archive/"));
    }

    @AfterEach
    void dropBucket() {
        store.close();
        server.deleteBucket(bucket);
    }

    @Nested
    class ShelterLayout extends WalArchiveContract {
        private WalArchive archive;

        @Override
        protected WalArchive archive() {
            if (archive == null) { // the outer class opens the bucket after this instance exists
                archive = new ShelterWalArchive(store, "wal/main/", Clock.systemUTC());
            }
            return archive;
        }
    }

    @Nested
    class PlainFiles extends WalArchiveContract {
        private WalArchive archive;

        @Override
        protected WalArchive archive() {
            if (archive == null) {
                archive = new PlainWalArchive(store, "plain/");
            }
            return archive;
        }
    }
}
