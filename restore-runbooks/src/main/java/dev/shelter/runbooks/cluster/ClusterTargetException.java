package dev.shelter.runbooks.cluster;

import java.util.Objects;

/**
 * A cluster target refused or failed an operation. The reason lets an entry point answer with the
 * right status (404, 403, 409, 504, 503) and a message a DBA can act on, never a stack trace.
 */
public class ClusterTargetException extends RuntimeException {

    /** Why: what is missing, forbidden, in the way, too slow, unreachable, or refused by the target. */
    public enum Reason {
        NOT_FOUND,
        FORBIDDEN,
        CONFLICT,
        TIMEOUT,
        UNAVAILABLE,
        REFUSED
    }

    private final Reason reason;

    public ClusterTargetException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ClusterTargetException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
