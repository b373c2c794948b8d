package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.backup.Lsn;

import java.util.Objects;

/**
 * One look at a server that should end its recovery. {@code replayed} is the last replayed WAL
 * position (null when the server did not answer or has replayed nothing yet); {@code detail} is what
 * the server or the driver said, such as "the database system is starting up".
 */
public record RecoveryState(Phase phase, Lsn replayed, String detail) {

    public enum Phase {
        /** No answer yet: starting, not yet consistent, or not running. */
        UNREACHABLE,
        /** Replaying WAL. */
        REPLAYING,
        /** Replay is paused; the server will not promote by itself. */
        PAUSED,
        /** Out of recovery: a primary. */
        PROMOTED
    }

    public RecoveryState {
        Objects.requireNonNull(phase, "phase");
        detail = detail == null ? "" : detail;
    }

    @Override
    public String toString() {
        return switch (phase) {
            case UNREACHABLE -> "not answering (" + detail + ")";
            case REPLAYING -> "replaying, at " + (replayed == null ? "no WAL yet" : replayed.toString());
            case PAUSED -> "paused at " + (replayed == null ? "no WAL yet" : replayed.toString());
            case PROMOTED -> "promoted";
        };
    }
}
