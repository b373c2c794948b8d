package dev.shelter.runbooks.postgres;

/** Recovery did not end: it paused, or it was still going (or the server silent) when the wait ran out. */
public final class RecoveryStalledException extends RuntimeException {

    private final RecoveryState lastSeen;

    public RecoveryStalledException(String message, RecoveryState lastSeen) {
        super(message);
        this.lastSeen = lastSeen;
    }

    public RecoveryState lastSeen() {
        return lastSeen;
    }
}
