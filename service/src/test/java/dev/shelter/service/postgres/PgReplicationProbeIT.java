package dev.shelter.service.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.service.wal.ReplicationProbe;
import dev.shelter.testing.Poll;
import dev.shelter.testing.PostgresServer;
import dev.shelter.testing.RealPostgres;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WAL monitor's probe keeps one connection between samples, and replaces it when it breaks. */
@RealPostgres
class PgReplicationProbeIT {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String SLOT = "shelter_probe_it_no_such_slot";

    private final PostgresServer server;

    PgReplicationProbeIT(PostgresServer server) {
        this.server = server;
    }

    @Test
    void samplesShareOneConnectionUntilItBreaksAndCloseEndsIt() throws Exception {
        Set<Integer> before = monitorSessions();
        try (PgReplicationProbe probe = new PgReplicationProbe(new PostgresEndpoint(server.jdbcUrl(), server.user(), server.password()))) {
            ReplicationProbe.Sample first = probe.sample(SLOT);
            Set<Integer> kept = withoutThose(monitorSessions(), before);
            assertEquals(1, kept.size(), "the first sample's connection stays open: " + kept);

            probe.sample(SLOT);
            ReplicationProbe.Sample third = probe.sample(SLOT);
            assertEquals(kept, withoutThose(monitorSessions(), before), "later samples use it, and open no other");
            assertTrue(third.serverPosition().compareTo(first.serverPosition()) >= 0);
            assertFalse(third.slotActive(), "no such slot");

            terminate(kept);
            Poll.until("the kept session to end", BOUND, () -> withoutThose(monitorSessions(), before).isEmpty());
            ReplicationProbe.Sample afterBreak = probe.sample(SLOT); // throws if the broken connection were reported as a failure
            assertTrue(afterBreak.serverPosition().compareTo(third.serverPosition()) >= 0);
            Set<Integer> replaced = withoutThose(monitorSessions(), before);
            assertEquals(1, replaced.size(), "one new connection: " + replaced);
            assertFalse(replaced.equals(kept));

            probe.close();
            Poll.until("close to end the session", BOUND, () -> withoutThose(monitorSessions(), before).isEmpty());
        }
    }

    private Set<Integer> monitorSessions() throws SQLException {
        Set<Integer> pids = new HashSet<>();
        try (Connection connection = server.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity WHERE application_name = 'shelter-wal-monitor'")) {
            while (rows.next()) {
                pids.add(rows.getInt(1));
            }
        }
        return pids;
    }

    private void terminate(Set<Integer> pids) throws SQLException {
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            for (int pid : pids) {
                statement.execute("SELECT pg_terminate_backend(" + pid + ")");
            }
        }
    }

    private static Set<Integer> withoutThose(Set<Integer> now, Set<Integer> those) {
        Set<Integer> rest = new HashSet<>(now);
        rest.removeAll(those);
        return rest;
    }
}
