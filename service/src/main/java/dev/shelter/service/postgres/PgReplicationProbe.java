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

/** One query against pg_replication_slots and pg_stat_replication. */
public final class PgReplicationProbe implements ReplicationProbe {

    private static final String SQL = "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END::text, "
            + "s.restart_lsn::text, coalesce(s.active, false), r.flush_lsn::text, extract(epoch FROM r.flush_lag)::float8 "
            + "FROM (SELECT 1) AS one LEFT JOIN pg_replication_slots s ON s.slot_name = ? "
            + "LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid";

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final PostgresEndpoint endpoint;

    public PgReplicationProbe(PostgresEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public Sample sample(String slot) {
        Properties properties = JdbcServerInspector.connectionProperties(endpoint, TIMEOUT);
        PGProperty.APPLICATION_NAME.set(properties, "shelter-wal-monitor");
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), properties);
             PreparedStatement statement = connection.prepareStatement(SQL)) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                double lag = row.getDouble(5);
                Optional<Duration> flushLag = row.wasNull() ? Optional.empty() : Optional.of(Duration.ofNanos((long) (lag * 1e9)));
                return new Sample(Lsn.parse(row.getString(1)), Optional.ofNullable(row.getString(2)).map(Lsn::parse),
                        row.getBoolean(3), Optional.ofNullable(row.getString(4)).map(Lsn::parse), flushLag);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot sample replication on " + endpoint.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }
}
