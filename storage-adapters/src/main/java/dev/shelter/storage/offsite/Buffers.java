package dev.shelter.storage.offsite;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Buffers of one size, lent to a task and kept for the next, up to a number kept. Exports and
 * restores move thousands of 4 MiB pieces; a new buffer per piece is garbage that a small heap
 * pays for in collection pauses.
 */
final class Buffers {

    private final ArrayBlockingQueue<byte[]> free;
    private final int bytes;

    /** Buffers of {@code bytes}; at most {@code kept} are kept for the next borrower, any more are left to the collector. */
    Buffers(int bytes, int kept) {
        this.bytes = bytes;
        this.free = new ArrayBlockingQueue<>(kept);
    }

    byte[] borrow() {
        byte[] buffer = free.poll();
        return buffer != null ? buffer : new byte[bytes];
    }

    void giveBack(byte[] buffer) {
        if (buffer.length == bytes) {
            free.offer(buffer); // refused when as many are kept as may be
        }
    }
}
