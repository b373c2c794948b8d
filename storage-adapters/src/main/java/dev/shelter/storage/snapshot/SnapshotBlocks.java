package dev.shelter.storage.snapshot;

/** A snapshot opened for reading as a block device image. Not thread-safe. */
public interface SnapshotBlocks extends AutoCloseable {

    long sizeBytes();

    /** Reads exactly {@code length} bytes at {@code offset}, or throws. */
    byte[] read(long offset, int length);

    @Override
    void close();
}
