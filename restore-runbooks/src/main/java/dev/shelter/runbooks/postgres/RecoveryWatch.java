package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;

import java.time.Duration;

/**
 * The port that waits for a server in recovery (a restore, a promoted standby) to become a primary.
 * Recovery that pauses is a failure at once, never a wait until the timeout: PostgreSQL pauses at a
 * target with {@code recovery_target_action = 'pause'} and when a setting is lower than the backup's,
 * and a paused server never promotes by itself.
 */
public interface RecoveryWatch {

    /**
     * Returns the facts of the promoted server (its new timeline and insert position). Tells
     * {@code observer} what each look saw; the observer may throw to stop waiting (a cancellation, a
     * server process that is gone). Throws {@link RecoveryStalledException} when recovery pauses or
     * has not ended within {@code timeout}, with what the server last said.
     */
    ServerFacts awaitPromotion(PostgresEndpoint endpoint, Duration timeout, RecoveryObserver observer);

    /** Hears every look at a server in recovery. */
    @FunctionalInterface
    interface RecoveryObserver {

        RecoveryObserver NONE = state -> { };

        void observed(RecoveryState state);
    }
}
