package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.runbooks.postgres.BackupSession;
import dev.shelter.runbooks.postgres.PostgresControl;
import org.postgresql.PGProperty;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/** {@link PostgresControl} over pgjdbc. */
public final class JdbcPostgresControl implements PostgresControl {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public BackupSession openBackupSession(PostgresEndpoint endpoint, String applicationName) {
        Properties properties = JdbcServerInspector.connectionProperties(endpoint, CONNECT_TIMEOUT);
        // Starting backup mode waits for a checkpoint and stopping it for the archiver: no socket timeout.
        // Keepalives notice a dead peer, and PostgreSQL aborts the backup when this session ends.
        PGProperty.SOCKET_TIMEOUT.set(properties, 0);
        PGProperty.TCP_KEEP_ALIVE.set(properties, true);
        PGProperty.APPLICATION_NAME.set(properties, applicationName);
        return new JdbcBackupSession(connect(endpoint, properties));
    }

    @Override
    public int terminateSessions(PostgresEndpoint endpoint, String applicationName) {
        try (Connection connection = connect(endpoint, JdbcServerInspector.connectionProperties(endpoint, CONNECT_TIMEOUT));
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                             + "WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            statement.setString(1, applicationName);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        } catch (SQLException e) {
            throw unreachable(endpoint, e);
        }
    }

    @Override
    public Lsn sealCurrentWal(PostgresEndpoint endpoint) {
        try (Connection connection = connect(endpoint, JdbcServerInspector.connectionProperties(endpoint, CONNECT_TIMEOUT));
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) CONNECT_TIMEOUT.toSeconds());
            // pg_current_xact_id() assigns a transaction id: its autocommit writes a commit record, stamped now.
            statement.execute("SELECT pg_current_xact_id()");
            try (ResultSet row = statement.executeQuery("SELECT pg_switch_wal()::text")) {
                row.next();
                return Lsn.parse(row.getString(1));
            }
        } catch (SQLException e) {
            throw unreachable(endpoint, e);
        }
    }

    @Override
    public void execute(PostgresEndpoint endpoint, String sql, Duration timeout) {
        try (Connection connection = connect(endpoint, JdbcServerInspector.connectionProperties(endpoint, timeout));
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL on " + endpoint.jdbcUrl() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> queryValue(PostgresEndpoint endpoint, String sql, Duration timeout) {
        try (Connection connection = connect(endpoint, JdbcServerInspector.connectionProperties(endpoint, timeout));
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            try (ResultSet rows = statement.executeQuery(sql)) {
                return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL on " + endpoint.jdbcUrl() + " failed: " + e.getMessage(), e);
        }
    }

    private static Connection connect(PostgresEndpoint endpoint, Properties properties) {
        try {
            return DriverManager.getConnection(endpoint.jdbcUrl(), properties);
        } catch (SQLException e) {
            throw unreachable(endpoint, e);
        }
    }

    private static ClusterUnreachableException unreachable(PostgresEndpoint endpoint, SQLException e) {
        return new ClusterUnreachableException("PostgreSQL at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
    }
}
