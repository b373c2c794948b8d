package dev.shelter.storage.snapshot;

/** A snapshot operation failed; {@link #reason()} says whether a caller can act on it. */
public class SnapshotException extends RuntimeException {

    /** Why it failed, as far as a caller needs to know. */
    public enum Reason {
        /** The volume or snapshot does not exist. */
        NOT_FOUND,
        /** A snapshot of that name exists already. */
        ALREADY_EXISTS,
        /** The snapshot is protected (a clone may depend on it): unprotect it first. */
        PROTECTED,
        /** Another client holds the volume (RBD exclusive lock): release it, then retry. */
        VOLUME_BUSY,
        /** The adapter does not declare this feature. */
        UNSUPPORTED,
        /** Anything else: I/O, the storage cluster, permissions. */
        FAILED
    }

    private final Reason reason;

    public SnapshotException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public SnapshotException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
