package dev.shelter.storage.offsite;

/**
 * A limit on upload bandwidth, shared by the uploading threads: a token bucket holding at most
 * one second of bytes. {@link #UNLIMITED} lets everything through.
 */
public final class UploadThrottle {

    public static final UploadThrottle UNLIMITED = new UploadThrottle(0);

    private final long bytesPerSecond;
    private double tokens;
    private long filledAt = System.nanoTime();

    /** {@code bytesPerSecond} 0 means no limit. */
    public UploadThrottle(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("a bandwidth limit is >= 0 bytes per second, not " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.tokens = bytesPerSecond;
    }

    /**
     * Waits until {@code bytes} may go; a wait beyond the bucket leaves it in debt for the next
     * caller. Interrupted, it throws {@link java.util.concurrent.CancellationException} with the
     * thread's interrupt flag set.
     */
    public void acquire(long bytes) {
        if (bytesPerSecond == 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            tokens = Math.min(bytesPerSecond, tokens + (now - filledAt) * bytesPerSecond / 1e9);
            filledAt = now;
            tokens -= bytes;
            waitNanos = tokens >= 0 ? 0 : (long) (-tokens * 1e9 / bytesPerSecond);
        }
        if (waitNanos > 0) {
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException("interrupted while waiting for upload bandwidth");
            }
        }
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }
}
