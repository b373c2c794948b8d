package dev.shelter.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A StatefulSet of the test bed whose pods the test kubelet runs as PostgreSQL on {@code port}. */
public record PostgresStatefulSet(String name, int port, String password) {

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5";
    }

    public String user() {
        return "postgres";
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), password);
    }

    /** Runs the statements in one session of the pod's PostgreSQL. */
    public void execute(String... statements) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    public String queryValue(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
