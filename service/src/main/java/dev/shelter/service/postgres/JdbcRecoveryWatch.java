package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.postgres.RecoveryStalledException;
import dev.shelter.runbooks.postgres.RecoveryState.Phase;
import dev.shelter.runbooks.postgres.RecoveryState;
import dev.shelter.runbooks.postgres.RecoveryWatch;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.postgres.ServerInspector;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Looks at the server over a fresh short JDBC session a few times a second: a server in recovery
 * restarts, refuses connections until it is consistent, and may die, so no session is kept.
 */
public final class JdbcRecoveryWatch implements RecoveryWatch {

    private static final Duration LOOK_TIMEOUT = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 250;

    // 14 and later tell "pause requested" from "paused"; 13 only knows requested-or-paused.
    private static final String LOOK_SQL_14 = """
            SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
                   pg_is_in_recovery() AND pg_get_wal_replay_pause_state() = 'paused'
            """;
    private static final String LOOK_SQL_13 = """
            SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
                   pg_is_in_recovery() AND pg_is_wal_replay_paused()
            """;

    private final ServerInspector inspector;

    public JdbcRecoveryWatch(ServerInspector inspector) {
        this.inspector = inspector;
    }

    @Override
    public ServerFacts awaitPromotion(PostgresEndpoint endpoint, Duration timeout, RecoveryObserver observer) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            RecoveryState state = look(endpoint);
            observer.observed(state);
            switch (state.phase()) {
                case PROMOTED -> {
                    return inspector.inspect(endpoint, LOOK_TIMEOUT);
                }
                case PAUSED -> throw new RecoveryStalledException("recovery of " + endpoint.jdbcUrl() + " paused at "
                        + state.replayed() + " and will not promote by itself: a recovery target with action 'pause', or a "
                        + "setting lower than on the backed-up server (see the server's log)", state);
                default -> {
                    if (System.nanoTime() - deadline >= 0) {
                        throw new RecoveryStalledException("recovery of " + endpoint.jdbcUrl() + " had not ended after "
                                + timeout.toSeconds() + " s; last seen " + state, state);
                    }
                }
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RecoveryStalledException("stopped waiting for recovery of " + endpoint.jdbcUrl()
                        + ": interrupted; last seen " + state, state);
            }
        }
    }

    private static RecoveryState look(PostgresEndpoint endpoint) {
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(),
                JdbcServerInspector.connectionProperties(endpoint, LOOK_TIMEOUT));
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) LOOK_TIMEOUT.toSeconds());
            String sql = connection.getMetaData().getDatabaseMajorVersion() >= 14 ? LOOK_SQL_14 : LOOK_SQL_13;
            try (ResultSet row = statement.executeQuery(sql)) {
                row.next();
                Lsn replayed = row.getString(2) == null ? null : Lsn.parse(row.getString(2));
                if (!row.getBoolean(1)) {
                    return new RecoveryState(Phase.PROMOTED, replayed, "");
                }
                return new RecoveryState(row.getBoolean(3) ? Phase.PAUSED : Phase.REPLAYING, replayed, "");
            }
        } catch (SQLException e) {
            return new RecoveryState(Phase.UNREACHABLE, null, e.getMessage());
        }
    }
}
