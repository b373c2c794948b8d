package dev.shelter.service.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.scheduler.FireLedger;
import dev.shelter.scheduler.FireRecord;
import dev.shelter.scheduler.FireState;
import dev.shelter.scheduler.ScheduleId;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The fire ledger in the catalog database: one row per schedule and fire time. The primary key
 * makes a claim succeed once across every replica, whatever Quartz does; the rows are also the
 * count of what ran.
 */
public final class JdbcFireLedger implements FireLedger {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String TABLE = "shelter_schedule_fires";

    private final PostgresEndpoint endpoint;

    public JdbcFireLedger(PostgresEndpoint endpoint) {
        this.endpoint = endpoint;
        try (Connection connection = connect()) {
            CatalogTables.createIfAbsent(connection, "CREATE TABLE IF NOT EXISTS " + TABLE + " (schedule_id text NOT NULL, "
                    + "scheduled_at timestamptz NOT NULL, replica text NOT NULL, state text NOT NULL, detail text NOT NULL, "
                    + "recorded_at timestamptz NOT NULL, PRIMARY KEY (schedule_id, scheduled_at))");
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    @Override
    public boolean claim(ScheduleId schedule, Instant scheduledAt, String replica, Instant now) {
        return update("INSERT INTO " + TABLE + " (schedule_id, scheduled_at, replica, state, detail, recorded_at) "
                + "VALUES (?, ?, ?, ?, '', ?) ON CONFLICT DO NOTHING", schedule.value(), at(scheduledAt), replica,
                FireState.CLAIMED.name(), at(now)) == 1;
    }

    /** Only the replica that claimed a fire records its end. */
    @Override
    public void record(FireRecord fire) {
        update("UPDATE " + TABLE + " SET state = ?, detail = ?, recorded_at = ? WHERE schedule_id = ? AND scheduled_at = ? AND replica = ?",
                fire.state().name(), fire.detail(), at(fire.recordedAt()), fire.schedule().value(),
                at(fire.scheduledAt()), fire.replica());
    }

    @Override
    public List<FireRecord> recent(ScheduleId schedule, int limit) {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(
                "SELECT scheduled_at, replica, state, detail, recorded_at FROM " + TABLE
                        + " WHERE schedule_id = ? ORDER BY scheduled_at DESC LIMIT ?")) {
            statement.setString(1, schedule.value());
            statement.setInt(2, limit);
            List<FireRecord> fires = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    fires.add(new FireRecord(schedule, rows.getObject(1, OffsetDateTime.class).toInstant(), rows.getString(2),
                            FireState.valueOf(rows.getString(3)), rows.getString(4), rows.getObject(5, OffsetDateTime.class).toInstant()));
                }
            }
            return fires;
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    private int update(String sql, Object... parameters) {
        try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    /** As timestamptz, whatever the JVM's time zone. */
    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(endpoint.jdbcUrl(), JdbcServerInspector.connectionProperties(endpoint, TIMEOUT));
    }

    private ClusterUnreachableException unreachable(SQLException e) {
        return new ClusterUnreachableException("catalog database at " + endpoint.jdbcUrl() + " did not answer: " + e.getMessage(), e);
    }
}
