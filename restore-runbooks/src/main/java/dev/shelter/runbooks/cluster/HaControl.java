package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.backup.SystemIdentifier;

import java.time.Duration;
import java.util.List;

/**
 * What runbooks need from a cluster's HA manager (Patroni): who leads, keeping it from acting while
 * a runbook works on the servers (pause), and moving the leader on purpose (switchover). Every call
 * that changes something returns only once the manager's own state shows the change, and fails
 * with {@link ClusterTargetException}.
 */
public interface HaControl {

    /** Every member the manager knows, in its order. */
    List<HaMember> members();

    /** The member whose PostgreSQL listens where {@code endpoint} points, if one does. */
    default java.util.Optional<HaMember> memberAt(PostgresEndpoint endpoint) {
        return endpoint.server().flatMap(server -> members().stream()
                .filter(member -> (member.host() + ":" + member.port()).equals(server)).findFirst());
    }

    /** The member holding the leader lock; {@link ClusterTargetException.Reason#NOT_FOUND} if none does. */
    HaMember leader();

    /** True while the manager leaves the servers alone (no failover, no restarts). */
    boolean isPaused();

    /** Idempotent. Returns once the manager reports itself paused. */
    void pause();

    /** Idempotent. Returns once the manager reports itself no longer paused. */
    void resume();

    /**
     * Makes {@code candidate} the leader, with a clean demotion of the current one. Returns once the
     * candidate is the leader and its PostgreSQL runs out of recovery (takes writes); at once if it
     * already does. Refuses, before asking the manager, a candidate that is not a member
     * ({@code NOT_FOUND}) or not a running replica ({@code REFUSED}).
     */
    void switchover(String candidate, Duration timeout);

    /**
     * Makes the manager forget the history it keeps of the cluster (Patroni: the DCS keys initialize,
     * history, optime, status, failover and sync; never its configuration or its members), so that a
     * restored primary's history is the one the cluster follows and no member is refused for a system
     * identifier the manager remembers from before. Returns the leader once a member holds the leader
     * lock as a running primary and the manager has recorded {@code system} as the cluster's.
     */
    HaMember resetHistory(SystemIdentifier system, Duration timeout);

    /**
     * Rebuilds {@code member} from the current leader (Patroni: reinitialize, a fresh base backup),
     * never from what it had. Returns once the leader reports it streaming.
     */
    void rebuild(String member, Duration timeout);
}
