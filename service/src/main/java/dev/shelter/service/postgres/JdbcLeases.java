package dev.shelter.service.postgres;

import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.catalog.Leases;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * Leases as rows of the catalog database. One upsert takes or renews a lease, and the row lock it
 * holds makes that atomic across replicas. Times are the database's clock_timestamp(), so the
 * replicas' own clocks never decide who holds a lease.
 */
public final class JdbcLeases implements Leases {

    /** Short: a renewal that hangs must fail well before the lease it renews expires. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final String TABLE = "shelter_leases";
    private static final String COLUMNS = "name, holder, acquired_at, renewed_at, expires_at";

    private final PostgresEndpoint endpoint;

    public JdbcLeases(PostgresEndpoint endpoint) {
        this.endpoint = endpoint;
        try (Connection connection = connect()) {
            CatalogTables.createIfAbsent(connection, "CREATE TABLE IF NOT EXISTS " + TABLE + " (name text PRIMARY KEY, "
                    + "holder text NOT NULL, acquired_at timestamptz NOT NULL, renewed_at timestamptz NOT NULL, "
                    + "expires_at timestamptz NOT NULL)");
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    @Override
    public Lease acquireOrRenew(String name, String replica, Duration ttl) {
        String upsert = "INSERT INTO " + TABLE + " AS lease (" + COLUMNS + ") "
                + "VALUES (?, ?, clock_timestamp(), clock_timestamp(), clock_timestamp() + make_interval(secs => ?)) "
                + "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, "
                + "acquired_at = CASE WHEN lease.holder = EXCLUDED.holder THEN lease.acquired_at ELSE EXCLUDED.acquired_at END, "
                + "renewed_at = EXCLUDED.renewed_at, expires_at = EXCLUDED.expires_at "
                + "WHERE lease.holder = EXCLUDED.holder OR lease.expires_at <= clock_timestamp() "
                + "RETURNING " + COLUMNS;
        try (Connection connection = connect()) {
            try (PreparedStatement statement = connection.prepareStatement(upsert)) {
                statement.setString(1, name);
                statement.setString(2, replica);
                statement.setDouble(3, ttl.toNanos() / 1e9);
                try (ResultSet rows = statement.executeQuery()) {
                    if (rows.next()) {
                        return lease(rows);
                    }
                }
            }
            // Another replica holds it: the row the upsert left alone says who.
            return read(connection, name).orElseThrow(() -> new IllegalStateException("lease " + name + " vanished while taken"));
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    @Override
    public void release(String name, String replica) {
        try (Connection connection = connect();
             PreparedStatement statement = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE name = ? AND holder = ?")) {
            statement.setString(1, name);
            statement.setString(2, replica);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    @Override
    public Optional<Lease> read(String name) {
        try (Connection connection = connect()) {
            return read(connection, name);
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private static Optional<Lease> read(Connection connection, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE name = ?")) {
            statement.setString(1, name);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(lease(rows)) : Optional.empty();
            }
        }
    }

    private static Lease lease(ResultSet row) throws SQLException {
        return new Lease(row.getString(1), row.getString(2), row.getObject(3, OffsetDateTime.class).toInstant(),
                row.getObject(4, OffsetDateTime.class).toInstant(), row.getObject(5, OffsetDateTime.class).toInstant());
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), JdbcServerInspector.connectionProperties(endpoint, TIMEOUT));
    }

    private ClusterUnreachableException unreachable(SQLException e) {
        return new ClusterUnreachableException("catalog database at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
    }
}
