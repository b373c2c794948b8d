package dev.shelter.storage.snapshot;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Point-in-time snapshots of the volumes that hold a PostgreSQL cluster: the port behind every
 * backup set. Adapters: {@code RbdSnapshotter} (Ceph RBD images) and {@code LocalDirSnapshotter}
 * (directories, local mode). Every operation that changes state is idempotent where its name says
 * so, and every adapter passes the same contract test.
 */
public interface VolumeSnapshotter extends AutoCloseable {

    Set<SnapshotFeature> features();

    /** Takes the snapshot; {@link SnapshotException.Reason#ALREADY_EXISTS} if the name is taken. */
    SnapshotRef createSnapshot(String volume, String snapshot);

    /** The volume's snapshots, by name; empty if the volume has none. NOT_FOUND if the volume is missing. */
    List<SnapshotRef> listSnapshots(String volume);

    default boolean exists(SnapshotRef ref) {
        return listSnapshots(ref.volume()).contains(ref);
    }

    /**
     * Removes the snapshot; a missing snapshot is fine, but a missing volume is NOT_FOUND (naming
     * it): the caller has the wrong volume, and the snapshot it means may well exist. PROTECTED if
     * it is protected.
     */
    void deleteSnapshot(SnapshotRef ref);

    /** Protects the snapshot from deletion (and, on RBD, makes it clonable). Idempotent. */
    void protectSnapshot(SnapshotRef ref);

    /** Idempotent. */
    void unprotectSnapshot(SnapshotRef ref);

    boolean isProtected(SnapshotRef ref);

    /** Makes the volume's content that of the snapshot. VOLUME_BUSY while another client holds it. */
    void rollbackVolume(SnapshotRef ref);

    /** Makes a new volume from a protected snapshot; the source stays untouched. ALREADY_EXISTS if the target does. */
    void cloneSnapshot(SnapshotRef ref, String targetVolume);

    /**
     * Makes a clone independent of the snapshot it was made from, so that the snapshot can be
     * unprotected and deleted: RBD copies the parent's blocks into it (flatten); a local clone is
     * a copy already. Idempotent.
     */
    void detachClone(String volume);

    /**
     * Removes a volume that has no snapshots (a clone no longer needed, an original kept after a
     * restore); a missing volume is fine. PROTECTED, naming them, while it has snapshots: they are
     * backups. VOLUME_BUSY while another client holds it.
     */
    void removeVolume(String volume);

    /** Feature {@link SnapshotFeature#BLOCK_READ}. */
    default SnapshotBlocks openBlocks(SnapshotRef ref) {
        throw new SnapshotException(SnapshotException.Reason.UNSUPPORTED, describe() + " cannot read snapshots as blocks");
    }

    /**
     * Feature {@link SnapshotFeature#BLOCK_DIFF}: the extents of {@code to} that may differ from
     * {@code from}, an older snapshot of the same volume, in offset order. A caller must not trust
     * it blindly: diffs have had bugs that left out changed extents.
     */
    default List<Extent> changedExtents(SnapshotRef from, SnapshotRef to) {
        throw new SnapshotException(SnapshotException.Reason.UNSUPPORTED, describe() + " cannot diff snapshots");
    }

    /** Feature {@link SnapshotFeature#BLOCK_WRITE}: makes the volume, zero-filled, and opens it for writing. ALREADY_EXISTS if it does. */
    default BlockWriter createBlockVolume(String volume, long sizeBytes) {
        throw new SnapshotException(SnapshotException.Reason.UNSUPPORTED, describe() + " cannot write volumes as blocks");
    }

    /** Feature {@link SnapshotFeature#FILE_TREE}: the snapshot's files, to be read and never written. */
    default Path fileTree(SnapshotRef ref) {
        throw new SnapshotException(SnapshotException.Reason.UNSUPPORTED, describe() + " cannot show snapshots as files");
    }

    /** Where the snapshots live, for logs and errors. */
    String describe();

    @Override
    void close();
}
