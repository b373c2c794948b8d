package dev.shelter.storage.snapshot;

/** A new volume opened for writing as a block device image, to be filled once. Not thread-safe. */
public interface BlockWriter extends AutoCloseable {

    long sizeBytes();

    /** Writes the bytes at {@code offset}, or throws. */
    void write(long offset, byte[] bytes);

    /** Makes what was written durable and releases the volume. */
    @Override
    void close();
}
