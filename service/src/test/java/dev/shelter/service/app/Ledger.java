package dev.shelter.service.app;

import dev.shelter.testing.PostgresInstance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The table the restore tests write before and after a backup, and compare after the restore. */
final class Ledger {

    private Ledger() {
    }

    static void create(PostgresInstance postgres) throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, payload text NOT NULL)");
        }
    }

    /** {@code rows} rows of about 100 bytes labelled {@code label}, in one transaction. */
    static void insert(PostgresInstance postgres, String label, int rows) throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ledger (payload) SELECT '" + label + " ' || g || repeat('x', 100) FROM generate_series(1, " + rows
                    + ") g");
        }
    }

    /** Row count and a checksum of every row: equal digests mean the same rows. */
    static String digest(PostgresInstance postgres) throws SQLException {
        return postgres.queryValue("SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(id || ':' || payload, ',' ORDER BY id), '')) "
                + "FROM ledger");
    }
}
