package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.postgres.ControlFile;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ClusterControl} adapter must do, against a real single-server cluster that
 * starts with one member running: scale to zero really stops PostgreSQL and releases its volumes,
 * scale to one returns only when PostgreSQL answers SQL with its data intact, and annotations and
 * events work. The tests run in order: each leaves the cluster as the next expects it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class ClusterControlContract {

    protected static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** The adapter under test, acting on the cluster. */
    protected abstract ClusterControl control();

    /** A new session on the cluster's (single) server; fails while it is down. */
    protected abstract Connection connect() throws SQLException;

    /** Fails unless nothing of the member is left running or mounted (checked the adapter's own way). */
    protected abstract void assertReleased(Member member);

    /** The member's PGDATA volume as {@link ClusterControl#members()} names it. */
    protected abstract String pgdataClaim();

    @Test
    @Order(1)
    void oneMemberIsListedReadyAndPrimaryWithItsVolumes() throws SQLException {
        List<Member> members = control().members();
        assertEquals(1, members.size(), members.toString());
        Member member = members.get(0);
        assertTrue(member.ready(), member.toString());
        assertEquals(MemberRole.PRIMARY, member.role(), member.toString());
        assertFalse(member.volumes().isEmpty(), member.toString());
        assertEquals(1, control().desiredReplicas());
        execute("CREATE TABLE IF NOT EXISTS contract (id int PRIMARY KEY, note text)");
        execute("INSERT INTO contract VALUES (1, 'written before scale 0') ON CONFLICT DO NOTHING");
    }

    @Test
    @Order(2)
    void scaleToZeroReturnsOnlyOnceTheServerIsStoppedAndItsVolumesReleased() {
        Member before = control().members().get(0);
        control().scale(0, TIMEOUT);
        assertEquals(List.of(), control().members());
        assertEquals(0, control().desiredReplicas());
        assertThrows(SQLException.class, () -> execute("SELECT 1"), "PostgreSQL still answers after scale 0");
        assertReleased(before);
        control().scale(0, TIMEOUT); // idempotent
    }

    @Test
    @Order(3)
    void scaleToOneReturnsOnlyWhenPostgresAnswersWithItsData() throws SQLException {
        control().scale(1, TIMEOUT);
        // No retry here: the adapter's return is the promise.
        assertEquals("written before scale 0", queryValue("SELECT note FROM contract WHERE id = 1"));
        List<Member> members = control().members();
        assertEquals(1, members.size());
        assertTrue(members.get(0).ready(), members.toString());
    }

    @Test
    @Order(4)
    void annotationsAreSetReadAndRemoved() {
        control().annotate(Map.of("shelter.dev/restore", Optional.of("r-1"), "shelter.dev/note", Optional.of("x")));
        assertEquals("r-1", control().annotations().get("shelter.dev/restore"));
        assertEquals("x", control().annotations().get("shelter.dev/note"));
        control().annotate(Map.of("shelter.dev/restore", Optional.empty()));
        assertFalse(control().annotations().containsKey("shelter.dev/restore"), control().annotations().toString());
        assertEquals("x", control().annotations().get("shelter.dev/note"));
    }

    @Test
    @Order(5)
    void negativeReplicasAreRefusedBeforeAnythingHappens() {
        assertThrows(IllegalArgumentException.class, () -> control().scale(-1, TIMEOUT));
        assertEquals(1, control().desiredReplicas());
    }

    @Test
    @Order(6)
    void aStoppedMembersPgControlIsReadThroughTheTargetAtItsShutdownCheckpoint() throws SQLException {
        String system = queryValue("SELECT system_identifier::text FROM pg_control_system()");
        Lsn written = Lsn.parse(queryValue("SELECT pg_current_wal_lsn()"));
        control().scale(0, TIMEOUT);
        try {
            ControlFile control = control().readControlFile(pgdataClaim(), TIMEOUT);
            assertEquals(system, control.systemIdentifierText());
            assertEquals(ControlFile.State.SHUT_DOWN, control.state());
            assertTrue(control.isCleanlyShutDown());
            assertTrue(control.checkpoint().isAfter(written), "the shutdown checkpoint " + control.checkpoint()
                    + " comes after the WAL written before the stop, " + written);
            assertEquals(control.checkpoint(), control.redo(), "a shutdown checkpoint redoes from itself");
        } finally {
            control().scale(1, TIMEOUT);
        }
        assertEquals("written before scale 0", queryValue("SELECT note FROM contract WHERE id = 1"));
    }

    protected void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    protected String queryValue(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
