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
