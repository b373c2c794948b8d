package dev.shelter.storage.rbd;

import com.ceph.rados.IoCTX;
import com.ceph.rados.Rados;
import com.ceph.rados.exceptions.RadosException;
import com.ceph.rbd.Rbd;
import com.ceph.rbd.RbdException;
import com.ceph.rbd.RbdImage;

import java.util.Arrays;
import java.util.List;

/** The RBD images of one pool. */
public final class RbdPool implements AutoCloseable {

    /** Layering is what clones (clone-and-swap restores) need; ceph-csi enables it too. */
    public static final long FEATURE_LAYERING = 1L;
    /**
     * With the exclusive lock, a client that has the image mapped (a pod, rbd-fuse) makes a rollback
     * fail with EROFS instead of changing blocks under a mounted filesystem.
     */
    public static final long FEATURE_EXCLUSIVE_LOCK = 4L;
    private static final int DEFAULT_ORDER = 22; // 4 MiB objects

    private final Rados rados;
    private final IoCTX ioctx;
    private final Rbd rbd;
    private final String pool;

    RbdPool(Rados rados, IoCTX ioctx, String pool) {
        this.rados = rados;
        this.ioctx = ioctx;
        this.rbd = new Rbd(ioctx);
        this.pool = pool;
    }

    public String name() {
        return pool;
    }

    public void createImage(String image, long sizeBytes) {
        try {
            rbd.create(image, sizeBytes, FEATURE_LAYERING | FEATURE_EXCLUSIVE_LOCK, DEFAULT_ORDER);
        } catch (RbdException e) {
            throw new CephException("cannot create image " + pool + "/" + image, e.getReturnValue(), e);
        }
    }

    public RbdImageHandle openImage(String image) {
        try {
            RbdImage handle = rbd.open(image);
            return new RbdImageHandle(rbd, handle, pool + "/" + image);
        } catch (RbdException e) {
            throw new CephException("cannot open image " + pool + "/" + image, e.getReturnValue(), e);
        }
    }

    /** Opens the image as it was at the snapshot, read-only. */
    public RbdImageHandle openImageAt(String image, String snapshot) {
        try {
            RbdImage handle = rbd.openReadOnly(image, snapshot);
            return new RbdImageHandle(rbd, handle, pool + "/" + image + "@" + snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot open " + pool + "/" + image + "@" + snapshot, e.getReturnValue(), e);
        }
    }

    /** A copy-on-write child of a protected snapshot, in the same pool, with the same features. */
    public void cloneImage(String parentImage, String snapshot, String childImage) {
        try {
            rbd.clone(parentImage, snapshot, ioctx, childImage, FEATURE_LAYERING | FEATURE_EXCLUSIVE_LOCK, DEFAULT_ORDER);
        } catch (RbdException e) {
            throw new CephException("cannot clone " + pool + "/" + parentImage + "@" + snapshot + " into " + childImage,
                    e.getReturnValue(), e);
        }
    }

    public void removeImage(String image) {
        try {
            rbd.remove(image);
        } catch (RbdException e) {
            throw new CephException("cannot remove image " + pool + "/" + image, e.getReturnValue(), e);
        }
    }

    public List<String> listImages() {
        try {
            return Arrays.stream(rbd.list()).sorted().toList();
        } catch (RbdException e) {
            throw new CephException("cannot list images of pool " + pool, e.getReturnValue(), e);
        }
    }

    /** Proves the pool answers: reads its statistics and lists its images. */
    public void probe() {
        try {
            ioctx.poolStat();
            rbd.list();
        } catch (RadosException e) {
            throw new CephException("pool " + pool + " does not answer", e.getReturnValue(), e);
        } catch (RbdException e) {
            throw new CephException("pool " + pool + " does not list its images", e.getReturnValue(), e);
        }
    }

    @Override
    public void close() {
        rados.ioCtxDestroy(ioctx);
    }
}
