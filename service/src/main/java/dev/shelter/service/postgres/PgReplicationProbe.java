package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.service.wal.ReplicationProbe;
import org.postgresql.PGProperty;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * One query against pg_replication_slots and pg_stat_replication, on a connection kept between
 * samples: opening one costs a server process and a SCRAM exchange (4,096 rounds of PBKDF2 on both
 * ends), and with twenty clusters sampled together every few seconds that was a quarter of
 * Shelter's CPU and a burst on the servers. A kept connection that broke (the server restarted, a
 * failover) is replaced once, at once, so that a restart does not read as a failed sample.
 */
public final class PgReplicationProbe implements ReplicationProbe, AutoCloseable {

    private static final String SQL = "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END::text, "
            + "s.restart_lsn::text, coalesce(s.active, false), r.flush_lsn::text, extract(epoch FROM r.flush_lag)::float8 "
            + "FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots s ON s.slot_name = ? "
            + "LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid";

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final PostgresEndpoint endpoint;
    private Connection kept;

    public PgReplicationProbe(PostgresEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public synchronized Sample sample(String slot) {
        boolean fresh = kept == null;
        try {
            return query(connection(), slot);
        } catch (SQLException first) {
            closeKept();
            if (fresh) {
                throw unreachable(first);
            }
            try {
                return query(connection(), slot);
            } catch (SQLException second) {
                closeKept();
                throw unreachable(second);
            }
        }
    }

    @Override
    public synchronized void close() {
        closeKept();
    }

    private Connection connection() throws SQLException {
        if (kept == null) {
            Properties properties = JdbcServerInspector.connectionProperties(endpoint, TIMEOUT);
            PGProperty.APPLICATION_NAME.set(properties, "shelter-wal-monitor");
            kept = DriverManager.getConnection(endpoint.jdbcUrl(), properties);
        }
        return kept;
    }

    private static Sample query(Connection connection, String slot) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(SQL)) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                double lag = row.getDouble(5);
                Optional<Duration> flushLag = row.wasNull() ? Optional.empty() : Optional.of(Duration.ofNanos((long) (lag * 1e9)));
                return new Sample(Lsn.parse(row.getString(1)), Optional.ofNullable(row.getString(2)).map(Lsn::parse),
                        row.getBoolean(3), Optional.ofNullable(row.getString(4)).map(Lsn::parse), flushLag);
            }
        }
    }

    private void closeKept() {
        if (kept != null) {
            try {
                kept.close();
            } catch (SQLException ignored) {
                // a broken connection may refuse to close politely; it is gone either way
            }
            kept = null;
        }
    }

    private IllegalStateException unreachable(SQLException e) {
        return new IllegalStateException("cannot sample replication on " + endpoint.jdbcUrl() + ": " + e.getMessage(), e);
    }
}
