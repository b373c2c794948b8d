package dev.shelter.service.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * How far this machine's clock is at least from the catalog database's: replicas of a clustered
 * scheduler fire by their own clocks, and Quartz fires twice or late when they disagree by about a
 * second (quartz#847, #548). The database's clock is read between two readings of ours; half the
 * round trip is the measurement's uncertainty, taken off the difference.
 */
public final class JdbcClockSkew {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final PostgresEndpoint endpoint;
    private final Clock clock;

    public JdbcClockSkew(PostgresEndpoint endpoint, Clock clock) {
        this.endpoint = endpoint;
        this.clock = clock;
    }

    /** The skew this reading proves, never negative: zero when the clocks agree within the round trip. */
    public Duration atLeast() {
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), JdbcServerInspector.connectionProperties(endpoint, TIMEOUT));
             Statement statement = connection.createStatement()) {
            Instant before = clock.instant();
            Instant theirs;
            try (ResultSet row = statement.executeQuery("SELECT clock_timestamp()")) {
                row.next();
                theirs = row.getObject(1, OffsetDateTime.class).toInstant();
            }
            Instant after = clock.instant();
            Duration halfTrip = Duration.between(before, after).dividedBy(2);
            Duration difference = Duration.between(before.plus(halfTrip), theirs).abs();
            return difference.compareTo(halfTrip) > 0 ? difference.minus(halfTrip) : Duration.ZERO;
        } catch (SQLException e) {
            throw new ClusterUnreachableException("catalog database at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
        }
    }
}
