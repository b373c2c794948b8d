package dev.shelter.storage.snapshot;

/** A byte range of a volume: {@code length} bytes from {@code offset}. */
public record Extent(long offset, long length) {

    public Extent {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("an extent has a non-negative offset and length, not " + offset + "+" + length);
        }
    }

    public long end() {
        return offset + length;
    }
}
