package dev.shelter.storage.rbd;

import dev.shelter.testing.CephServer;
import dev.shelter.testing.RealCeph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RBD through rados-java on a real Ceph mon + OSD. */
@RealCeph
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbdImageIT {

    private static final long IMAGE_BYTES = 64L * 1024 * 1024;
    private static final int BLOCK = 4 * 1024 * 1024;

    private final CephServer ceph;
    private RadosCluster cluster;
    private RbdPool pool;

    RbdImageIT(CephServer ceph) {
        this.ceph = ceph;
    }

    @BeforeAll
    void connect() {
        cluster = RadosCluster.connect(ceph.config());
        pool = cluster.openPool();
    }

    @AfterAll
    void disconnect() {
        if (pool != null) {
            pool.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void snapshotRollbackRestoresTheOriginalBytes() {
        String image = "it-rollback-" + UUID.randomUUID();
        pool.createImage(image, IMAGE_BYTES);
        try {
            byte[] original = randomBytes(1);
            byte[] originalTail = randomBytes(2);
            try (RbdImageHandle handle = pool.openImage(image)) {
                handle.write(0, original);
                handle.write(IMAGE_BYTES - BLOCK, originalTail);
                handle.createSnapshot("before");

                handle.write(0, randomBytes(3));
                handle.write(IMAGE_BYTES - BLOCK, randomBytes(4));
                assertFalse(Arrays.equals(original, handle.read(0, BLOCK)), "overwrite must be visible before rollback");

                handle.rollbackTo("before");

                assertArrayEquals(original, handle.read(0, BLOCK));
                assertArrayEquals(originalTail, handle.read(IMAGE_BYTES - BLOCK, BLOCK));
                assertEquals(List.of("before"), handle.listSnapshots());
                handle.removeSnapshot("before");
                assertTrue(handle.listSnapshots().isEmpty());
            }
        } finally {
            pool.removeImage(image);
        }
        assertFalse(pool.listImages().contains(image));
    }

    @Test
    void poolProbeAnswersAndMissingImageIsAClearError() {
        pool.probe();
        CephException missing = assertThrows(CephException.class, () -> pool.openImage("no-such-image-" + UUID.randomUUID()));
        assertEquals(-2, missing.returnCode(), "ENOENT expected: " + missing.getMessage());
    }

    @Test
    void unknownPoolIsAClearError() {
        CephConfig wrongPool = new CephConfig(ceph.config().configFile(), ceph.config().user(), ceph.config().keyringFile(),
                "no-such-pool", ceph.config().operationTimeout());
        try (RadosCluster other = RadosCluster.connect(wrongPool)) {
            CephException error = assertThrows(CephException.class, other::openPool);
            assertTrue(error.getMessage().contains("no-such-pool"), error.getMessage());
        }
    }

    private static byte[] randomBytes(long seed) {
        byte[] bytes = new byte[BLOCK];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
