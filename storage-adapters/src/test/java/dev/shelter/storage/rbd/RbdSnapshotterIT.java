package dev.shelter.storage.rbd;

import dev.shelter.storage.snapshot.SnapshotBlocks;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import dev.shelter.storage.snapshot.VolumeSnapshotterContract;
import dev.shelter.testing.CephServer;
import dev.shelter.testing.RealCeph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The snapshot contract on real RBD images, through rados-java. */
@RealCeph
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbdSnapshotterIT extends VolumeSnapshotterContract {

    private static final long IMAGE_BYTES = 16L * 1024 * 1024;

    private final CephServer ceph;
    private RbdSnapshotter snapshotter;

    RbdSnapshotterIT(CephServer ceph) {
        this.ceph = ceph;
    }

    @BeforeAll
    void connect() {
        snapshotter = RbdSnapshotter.open(ceph.config());
    }

    @AfterAll
    void disconnect() {
        if (snapshotter != null) {
            snapshotter.close();
        }
    }

    @Override
    protected VolumeSnapshotter snapshotter() {
        return snapshotter;
    }

    @Override
    protected String makeVolume(String name, byte[] content) {
        snapshotter.pool().createImage(name, IMAGE_BYTES);
        overwriteVolume(name, content);
        return name;
    }

    @Override
    protected void overwriteVolume(String volume, byte[] content) {
        try (RbdImageHandle image = snapshotter.pool().openImage(volume)) {
            image.write(0, content);
        }
    }

    @Override
    protected byte[] readVolume(String volume, int length) {
        try (RbdImageHandle image = snapshotter.pool().openImage(volume)) {
            return image.read(0, length);
        }
    }

    @Override
    protected byte[] readSnapshot(SnapshotRef ref, int length) {
        try (SnapshotBlocks blocks = snapshotter.openBlocks(ref)) {
            return blocks.read(0, length);
        }
    }

    @Override
    protected void removeVolume(String volume) {
        if (!snapshotter.pool().listImages().contains(volume)) {
            return;
        }
        for (SnapshotRef ref : snapshotter.listSnapshots(volume)) {
            snapshotter.unprotectSnapshot(ref);
            snapshotter.deleteSnapshot(ref);
        }
        snapshotter.pool().removeImage(volume);
    }

    @Override
    protected String missingVolume() {
        return "never-made-image";
    }
}
