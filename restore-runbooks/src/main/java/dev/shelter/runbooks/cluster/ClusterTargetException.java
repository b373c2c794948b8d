package dev.shelter.runbooks.cluster;

import java.util.Objects;

/**
 * A cluster target (Kubernetes, Patroni, a local server) refused or failed a call. The reason says
 * what a step can do about it; the message says what happened, in the target's own words.
 */
public class ClusterTargetException extends RuntimeException {

    /** What kind of failure, so that callers decide without parsing messages. */
    public enum Reason { NOT_FOUND, FORBIDDEN, CONFLICT, TIMEOUT, UNAVAILABLE, REFUSED }

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
