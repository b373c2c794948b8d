package dev.shelter.service.app;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The table point-in-time restores are proven on: batches of rows, one transaction each, with each
 * batch's transaction id, commit time (track_commit_timestamp must be on) and the WAL position just
 * after its commit kept, so that a restore can be compared with exactly the batches committed up to
 * its target.
 */
final class BatchedTable {

    static final int ROWS_PER_BATCH = 50;

    /** Opens a connection to the server the table lives on (after a restore: the restored one). */
    interface Connector {
        Connection connect() throws SQLException;
    }

    /** One committed batch: its transaction, its commit time (UTC, RFC 3339), and the WAL position just after its commit. */
    record Batch(int number, long xid, String committedAt, String lsnAfter) {
    }

    private final Connector server;
    private final List<Batch> batches = new ArrayList<>();

    BatchedTable(Connector server) {
        this.server = server;
    }

    void create() throws SQLException {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE pitr (id bigserial PRIMARY KEY, batch int NOT NULL, note text NOT NULL)");
        }
    }

    /** Commits the next batch and keeps where it lies. */
    Batch commitNext() throws SQLException {
        int number = batches.size() + 1;
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            long xid = Long.parseLong(value(s, "SELECT pg_current_xact_id()::text"));
            s.execute("INSERT INTO pitr (batch, note) SELECT " + number + ", 'batch " + number + " row ' || g FROM generate_series(1, "
                    + ROWS_PER_BATCH + ") g");
            c.commit();
            c.setAutoCommit(true);
            String committedAt = value(s, "SELECT to_char(pg_xact_commit_timestamp('" + xid + "'::xid) AT TIME ZONE 'UTC', "
                    + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            Batch batch = new Batch(number, xid, committedAt, value(s, "SELECT pg_current_wal_lsn()::text"));
            batches.add(batch);
            return batch;
        }
    }

    void createRestorePoint(String name) throws SQLException {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            value(s, "SELECT pg_create_restore_point('" + name + "')::text");
        }
    }

    Batch batch(int number) {
        return batches.get(number - 1);
    }

    int size() {
        return batches.size();
    }

    /** "1:50,2:50,...": the batches the server holds now, with their row counts. */
    String rowsNow() throws SQLException {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            return value(s, "SELECT coalesce(string_agg(batch || ':' || n, ',' ORDER BY batch), '') FROM "
                    + "(SELECT batch, count(*) AS n FROM pitr GROUP BY batch) b");
        }
    }

    /** What {@link #rowsNow} says when exactly batches 1..{@code last} are there. */
    static String upTo(int last) {
        return IntStream.rangeClosed(1, last).mapToObj(n -> n + ":" + ROWS_PER_BATCH).collect(Collectors.joining(","));
    }

    private static String value(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            if (!r.next()) {
                throw new IllegalStateException("no row for " + sql);
            }
            return r.getString(1);
        }
    }
}
