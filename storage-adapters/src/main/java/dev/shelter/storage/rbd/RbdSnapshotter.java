package dev.shelter.storage.rbd;

import dev.shelter.storage.snapshot.BlockWriter;
import dev.shelter.storage.snapshot.Extent;
import dev.shelter.storage.snapshot.SnapshotBlocks;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.SnapshotException.Reason;
import dev.shelter.storage.snapshot.SnapshotFeature;
import dev.shelter.storage.snapshot.SnapshotRef;
import dev.shelter.storage.snapshot.VolumeSnapshotter;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Snapshots of Ceph RBD images in one pool, through rados-java: a volume is an image name.
 * Snapshots are crash-consistent per image; taken inside PostgreSQL's backup mode they make an
 * application-consistent set once backup_label and the WAL through the stop LSN are kept.
 */
public final class RbdSnapshotter implements VolumeSnapshotter {

    private static final int ENOENT = -2;
    private static final int EBUSY = -16;
    private static final int EEXIST = -17;
    private static final int EINVAL = -22;
    private static final int EROFS = -30;

    private final RadosCluster cluster;
    private final RbdPool pool;

    private RbdSnapshotter(RadosCluster cluster, RbdPool pool) {
        this.cluster = cluster;
        this.pool = pool;
    }

    public static RbdSnapshotter open(CephConfig config) {
        RadosCluster cluster = RadosCluster.connect(config);
        try {
            return new RbdSnapshotter(cluster, cluster.openPool());
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    @Override
    public Set<SnapshotFeature> features() {
        return Set.of(SnapshotFeature.BLOCK_READ, SnapshotFeature.BLOCK_DIFF, SnapshotFeature.BLOCK_WRITE);
    }

    @Override
    public SnapshotRef createSnapshot(String volume, String snapshot) {
        SnapshotRef ref = new SnapshotRef(volume, snapshot);
        return onImage(volume, "snapshot " + ref, image -> {
            image.createSnapshot(snapshot);
            return ref;
        });
    }

    @Override
    public List<SnapshotRef> listSnapshots(String volume) {
        return onImage(volume, "list snapshots of " + volume,
                image -> image.listSnapshots().stream().sorted().map(name -> new SnapshotRef(volume, name)).toList());
    }

    @Override
    public void deleteSnapshot(SnapshotRef ref) {
        // A missing image fails in onImage (NOT_FOUND, naming it); only a missing snapshot is done.
        onImage(ref.volume(), "delete " + ref, image -> {
            if (!image.listSnapshots().contains(ref.snapshot())) {
                return null;
            }
            if (image.isSnapshotProtected(ref.snapshot())) {
                throw new SnapshotException(Reason.PROTECTED, "snapshot " + ref + " is protected");
            }
            try {
                image.removeSnapshot(ref.snapshot());
            } catch (CephException e) {
                if (e.returnCode() != ENOENT) { // ENOENT: another delete removed it since the listing
                    throw e;
                }
            }
            return null;
        });
    }

    @Override
    public void protectSnapshot(SnapshotRef ref) {
        onImage(ref.volume(), "protect " + ref, image -> {
            if (!image.isSnapshotProtected(ref.snapshot())) {
                image.protectSnapshot(ref.snapshot());
            }
            return null;
        });
    }

    @Override
    public void unprotectSnapshot(SnapshotRef ref) {
        onImage(ref.volume(), "unprotect " + ref, image -> {
            if (image.listSnapshots().contains(ref.snapshot()) && image.isSnapshotProtected(ref.snapshot())) {
                image.unprotectSnapshot(ref.snapshot());
            }
            return null;
        });
    }

    @Override
    public boolean isProtected(SnapshotRef ref) {
        return onImage(ref.volume(), "inspect " + ref, image -> image.isSnapshotProtected(ref.snapshot()));
    }

    @Override
    public void rollbackVolume(SnapshotRef ref) {
        onImage(ref.volume(), "roll " + ref.volume() + " back to " + ref, image -> {
            image.rollbackTo(ref.snapshot());
            return null;
        });
    }

    @Override
    public void cloneSnapshot(SnapshotRef ref, String targetVolume) {
        protectSnapshot(ref); // librbd clones (v1) only from protected snapshots
        try {
            pool.cloneImage(ref.volume(), ref.snapshot(), targetVolume);
        } catch (CephException e) {
            throw translate(e, "clone " + ref + " into " + targetVolume);
        }
    }

    /** librbd answers EINVAL to flattening an image without a parent: flat already, which is what was asked. */
    @Override
    public void detachClone(String volume) {
        try (RbdImageHandle image = pool.openImage(volume)) {
            image.flatten();
        } catch (CephException e) {
            if (e.returnCode() != EINVAL) {
                throw translate(e, "flatten " + volume);
            }
        }
    }

    @Override
    public void removeVolume(String volume) {
        List<String> snapshots;
        try (RbdImageHandle image = pool.openImage(volume)) {
            snapshots = image.listSnapshots();
        } catch (CephException e) {
            if (e.returnCode() == ENOENT) {
                return;
            }
            throw translate(e, "remove " + volume);
        }
        if (!snapshots.isEmpty()) {
            throw new SnapshotException(Reason.PROTECTED, "image " + volume + " in " + describe() + " still has snapshots " + snapshots
                    + "; it is removed only without them");
        }
        try {
            pool.removeImage(volume);
        } catch (CephException e) {
            if (e.returnCode() != ENOENT) {
                throw translate(e, "remove " + volume);
            }
        }
    }

    @Override
    public SnapshotBlocks openBlocks(SnapshotRef ref) {
        RbdImageHandle image;
        try {
            image = pool.openImageAt(ref.volume(), ref.snapshot());
        } catch (CephException e) {
            throw translate(e, "open " + ref);
        }
        return new SnapshotBlocks() {
            @Override
            public long sizeBytes() {
                return image.sizeBytes();
            }

            @Override
            public byte[] read(long offset, int length) {
                return image.read(offset, length);
            }

            @Override
            public void close() {
                image.close();
            }
        };
    }

    @Override
    public List<Extent> changedExtents(SnapshotRef from, SnapshotRef to) {
        if (!from.volume().equals(to.volume())) {
            throw new IllegalArgumentException("a diff is between two snapshots of one image, not " + from + " and " + to);
        }
        try (RbdImageHandle image = pool.openImageAt(to.volume(), to.snapshot())) {
            return image.diffFrom(from.snapshot()).stream().map(extent -> new Extent(extent[0], extent[1])).toList();
        } catch (CephException e) {
            throw translate(e, "diff " + to + " from @" + from.snapshot());
        }
    }

    @Override
    public BlockWriter createBlockVolume(String volume, long sizeBytes) {
        RbdImageHandle image;
        try {
            pool.createImage(volume, sizeBytes);
            image = pool.openImage(volume);
        } catch (CephException e) {
            throw translate(e, "create image " + volume);
        }
        return new BlockWriter() {
            @Override
            public long sizeBytes() {
                return sizeBytes;
            }

            @Override
            public void write(long offset, byte[] bytes) {
                try {
                    image.write(offset, bytes);
                } catch (CephException e) {
                    throw translate(e, "write " + volume);
                }
            }

            @Override
            public void close() {
                image.close(); // rbd_close flushes what librbd still caches
            }
        };
    }

    @Override
    public String describe() {
        return "RBD pool " + pool.name();
    }

    /** Direct access to the pool, for adapters and tests that need images rather than snapshots. */
    public RbdPool pool() {
        return pool;
    }

    @Override
    public void close() {
        pool.close();
        cluster.close();
    }

    private <T> T onImage(String volume, String action, Function<RbdImageHandle, T> work) {
        try (RbdImageHandle image = pool.openImage(volume)) {
            return work.apply(image);
        } catch (CephException e) {
            throw translate(e, action);
        }
    }

    private SnapshotException translate(CephException e, String action) {
        Reason reason = switch (e.returnCode()) {
            case ENOENT -> Reason.NOT_FOUND;
            case EEXIST -> Reason.ALREADY_EXISTS;
            case EROFS, EBUSY -> Reason.VOLUME_BUSY;
            default -> Reason.FAILED;
        };
        return new SnapshotException(reason, "cannot " + action + " in " + describe() + ": " + e.getMessage(), e);
    }
}
