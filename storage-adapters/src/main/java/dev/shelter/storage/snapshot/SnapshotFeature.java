package dev.shelter.storage.snapshot;

/**
 * What an adapter can do beyond the required operations. An adapter declares its features and
 * refuses the others with {@link SnapshotException.Reason#UNSUPPORTED}; it never fakes them.
 */
public enum SnapshotFeature {
    /** {@link VolumeSnapshotter#openBlocks}: a snapshot read as a block device image. */
    BLOCK_READ,
    /** {@link VolumeSnapshotter#fileTree}: a snapshot read as a directory tree. */
    FILE_TREE,
    /** {@link VolumeSnapshotter#changedExtents}: what changed between two snapshots of a volume, without reading it. */
    BLOCK_DIFF,
    /** {@link VolumeSnapshotter#createBlockVolume}: a new volume written as a block device image. */
    BLOCK_WRITE
}
