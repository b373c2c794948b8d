package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterTargetException;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits, bounded, until a deleted object is gone. A deleted claim or volume lingers while a
 * protection finalizer holds it (a pod uses the claim; the volume is still bound), so "removed"
 * is only true, and an image under a volume only safe to remove, once the object is gone.
 */
final class Deletions {

    static final Duration GONE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(250);

    private Deletions() {
    }

    static void awaitGone(String what, BooleanSupplier present, String hint) {
        long deadline = System.nanoTime() + GONE_TIMEOUT.toNanos();
        while (present.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new ClusterTargetException(ClusterTargetException.Reason.TIMEOUT, what + " is still there "
                        + GONE_TIMEOUT.toSeconds() + " s after its deletion: " + hint);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what + " to go", e);
            }
        }
    }
}
