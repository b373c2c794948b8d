package dev.shelter.service.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.runbooks.postgres.ServerFacts;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealPostgres;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real PostgreSQL 15. */
@RealPostgres
class JdbcServerInspectorIT {

    private final PostgresServer server;

    JdbcServerInspectorIT(PostgresServer server) {
        this.server = server;
    }

    @Test
    void sqlRoundTripReturnsTheRowsWritten() throws Exception {
        String table = "roundtrip_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, note text)");
            try {
                statement.execute("INSERT INTO " + table + " SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
                try (ResultSet rows = statement.executeQuery("SELECT count(*), sum(id), max(note) FROM " + table)) {
                    rows.next();
                    assertEquals(1000, rows.getInt(1));
                    assertEquals(500500, rows.getLong(2));
                    assertEquals("row 999", rows.getString(3));
                }
            } finally {
                statement.execute("DROP TABLE " + table);
            }
        }
    }

    @Test
    void inspectionReportsWhatTheServerSays() throws Exception {
        ServerFacts facts = new JdbcServerInspector().inspect(endpoint(server.password()), Duration.ofSeconds(5));

        String systemIdentifier;
        try (Connection connection = server.connect(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT system_identifier::text, pg_is_in_recovery() FROM pg_control_system()")) {
            row.next();
            systemIdentifier = row.getString(1);
            assertFalse(row.getBoolean(2), "the test server is a primary");
        }
        assertEquals(15, facts.majorVersion(), facts.serverVersion());
        assertTrue(facts.serverVersion().startsWith("15."), facts.serverVersion());
        assertFalse(facts.inRecovery());
        assertEquals(systemIdentifier, facts.systemIdentifier().toString());
        assertTrue(facts.timeline().id() >= 1);
        assertTrue(facts.walLsn().toString().matches("[0-9A-F]+/[0-9A-F]+"), facts.walLsn().toString());
    }

    @Test
    void wrongPasswordIsAClearUnreachableError() {
        ClusterUnreachableException error = assertThrows(ClusterUnreachableException.class,
                () -> new JdbcServerInspector().inspect(endpoint("wrong-" + UUID.randomUUID()), Duration.ofSeconds(5)));
        assertTrue(error.getMessage().contains("password authentication failed"), error.getMessage());
    }

    private PostgresEndpoint endpoint(String password) {
        return new PostgresEndpoint(server.jdbcUrl(), server.user(), password);
    }
}
