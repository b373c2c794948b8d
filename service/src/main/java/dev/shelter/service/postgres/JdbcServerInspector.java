package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.runbooks.postgres.ServerInspector;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/** Inspects a server over a short-lived JDBC session whose every wait is bounded by the timeout. */
public final class JdbcServerInspector implements ServerInspector {

    // A primary's timeline is the one it writes: just after a promotion, pg_control's checkpoint
    // still names the old one until the end-of-recovery checkpoint completes.
    private static final String FACTS_SQL = """
            SELECT current_setting('server_version'),
                   current_setting('server_version_num')::int / 10000,
                   pg_is_in_recovery(),
                   (SELECT system_identifier FROM pg_control_system())::text,
                   (CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())::bigint
                         ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END),
                   (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text
            """;

    @Override
    public ServerFacts inspect(PostgresEndpoint endpoint, Duration timeout) {
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), connectionProperties(endpoint, timeout));
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(seconds(timeout));
            try (ResultSet row = statement.executeQuery(FACTS_SQL)) {
                row.next();
                String walLsn = row.getString(6);
                return new ServerFacts(row.getString(1), row.getInt(2), row.getBoolean(3), SystemIdentifier.parse(row.getString(4)),
                        new Timeline(row.getLong(5)), walLsn == null ? null : Lsn.parse(walLsn));
            }
        } catch (SQLException e) {
            throw new ClusterUnreachableException("PostgreSQL at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Map<String, Integer> integerSettings(PostgresEndpoint endpoint, java.util.List<String> names, Duration timeout) {
        java.util.Map<String, Integer> settings = new java.util.LinkedHashMap<>();
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), connectionProperties(endpoint, timeout));
             java.sql.PreparedStatement statement = connection.prepareStatement("SELECT current_setting(?)::int")) {
            statement.setQueryTimeout(seconds(timeout));
            for (String name : names) {
                statement.setString(1, name);
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    settings.put(name, row.getInt(1));
                }
            }
            return settings;
        } catch (SQLException e) {
            throw new ClusterUnreachableException("PostgreSQL at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
        }
    }

    /**
     * Session settings for Shelter's connections: bounded waits, a recognisable application name,
     * and the primary when the URL lists several servers.
     */
    static Properties connectionProperties(PostgresEndpoint endpoint, Duration timeout) {
        Properties properties = new Properties();
        PGProperty.USER.set(properties, endpoint.user());
        PGProperty.PASSWORD.set(properties, endpoint.password());
        PGProperty.CONNECT_TIMEOUT.set(properties, seconds(timeout));
        PGProperty.LOGIN_TIMEOUT.set(properties, seconds(timeout));
        PGProperty.SOCKET_TIMEOUT.set(properties, seconds(timeout) + 5);
        PGProperty.APPLICATION_NAME.set(properties, "shelter");
        Properties url = Driver.parseURL(endpoint.jdbcUrl(), new Properties());
        if (url != null && PGProperty.PG_HOST.getOrDefault(url).contains(",")) {
            // Several servers of one cluster: Shelter's work (backups, slots, streaming) is on the primary.
            // The URL may still say otherwise: its own settings win over these defaults.
            PGProperty.TARGET_SERVER_TYPE.set(properties, "primary");
        }
        return properties;
    }

    private static int seconds(Duration timeout) {
        return (int) Math.max(1, timeout.toSeconds());
    }
}
