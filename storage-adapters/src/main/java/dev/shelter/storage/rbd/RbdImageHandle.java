package dev.shelter.storage.rbd;

import com.ceph.rbd.Rbd;
import com.ceph.rbd.RbdException;
import com.ceph.rbd.RbdImage;
import com.ceph.rbd.jna.RbdSnapInfo;

import java.util.List;

/** One open RBD image. Not thread-safe: one caller at a time. */
public final class RbdImageHandle implements AutoCloseable {

    private final Rbd rbd;
    private final RbdImage image;
    private final String spec;

    RbdImageHandle(Rbd rbd, RbdImage image, String spec) {
        this.rbd = rbd;
        this.image = image;
        this.spec = spec;
    }

    /** pool/image, as the rbd CLI writes it. */
    public String spec() {
        return spec;
    }

    public long sizeBytes() {
        try {
            return image.stat().size;
        } catch (RbdException e) {
            throw new CephException("cannot stat " + spec, e.getReturnValue(), e);
        }
    }

    public void write(long offset, byte[] bytes) {
        try {
            image.write(bytes, offset, bytes.length);
        } catch (RbdException e) {
            throw new CephException("cannot write " + bytes.length + " bytes at " + offset + " of " + spec, e.getReturnValue(), e);
        }
    }

    /** Reads exactly {@code length} bytes at {@code offset}, or throws. */
    public byte[] read(long offset, int length) {
        byte[] buffer = new byte[length];
        int read = image.read(offset, buffer, length);
        if (read != length) {
            throw new CephException("short read of " + spec + " at " + offset + ": " + read + " of " + length + " bytes",
                    read < 0 ? read : 0, null);
        }
        return buffer;
    }

    /**
     * The extents of this image (opened at a snapshot) that differ from its older snapshot
     * {@code fromSnapshot}, in offset order, merged where they touch. Extents a discard zeroed
     * count as changed.
     */
    public List<long[]> diffFrom(String fromSnapshot) {
        List<long[]> extents = new java.util.ArrayList<>();
        LibRbdDiff.ExtentCallback collect = (offset, length, exists, arg) -> {
            long[] last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
            if (last != null && last[0] + last[1] == offset) {
                last[1] += length;
            } else {
                extents.add(new long[] {offset, length});
            }
            return 0;
        };
        int result = LibRbdDiff.INSTANCE.rbd_diff_iterate2(image.getPointer(), fromSnapshot, 0, sizeBytes(), (byte) 1, (byte) 0,
                collect, null);
        if (result < 0) {
            throw new CephException("cannot diff " + spec + " from @" + fromSnapshot, result, null);
        }
        return extents;
    }

    public void createSnapshot(String snapshot) {
        try {
            image.snapCreate(snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot create snapshot " + spec + "@" + snapshot, e.getReturnValue(), e);
        }
    }

    /** Needs the image's exclusive lock: fails with errno -30 while another client (a mapped pod) holds it. */
    /** Copies the parent's blocks into this clone; afterwards it no longer depends on the parent's snapshot. */
    public void flatten() {
        try {
            image.flatten();
        } catch (RbdException e) {
            throw new CephException("cannot flatten " + spec(), e.getReturnValue(), e);
        }
    }

    public void rollbackTo(String snapshot) {
        try {
            image.snapRollBack(snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot roll " + spec + " back to @" + snapshot, e.getReturnValue(), e);
        }
    }

    public void removeSnapshot(String snapshot) {
        try {
            image.snapRemove(snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot remove snapshot " + spec + "@" + snapshot, e.getReturnValue(), e);
        }
    }

    public void protectSnapshot(String snapshot) {
        try {
            image.snapProtect(snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot protect snapshot " + spec + "@" + snapshot, e.getReturnValue(), e);
        }
    }

    public void unprotectSnapshot(String snapshot) {
        try {
            image.snapUnprotect(snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot unprotect snapshot " + spec + "@" + snapshot, e.getReturnValue(), e);
        }
    }

    public boolean isSnapshotProtected(String snapshot) {
        try {
            return image.snapIsProtected(snapshot);
        } catch (RbdException e) {
            throw new CephException("cannot tell whether " + spec + "@" + snapshot + " is protected", e.getReturnValue(), e);
        }
    }

    public List<String> listSnapshots() {
        try {
            return image.snapList().stream().map((RbdSnapInfo info) -> info.name).toList();
        } catch (RbdException e) {
            throw new CephException("cannot list snapshots of " + spec, e.getReturnValue(), e);
        }
    }

    @Override
    public void close() {
        try {
            rbd.close(image);
        } catch (RbdException e) {
            throw new CephException("cannot close " + spec, e.getReturnValue(), e);
        }
    }
}
