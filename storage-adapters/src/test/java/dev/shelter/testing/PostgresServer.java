package dev.shelter.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A real PostgreSQL server reachable over JDBC. */
public record PostgresServer(String jdbcUrl, String user, String password) {

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    @Override
    public String toString() {
        return jdbcUrl + " as " + user;
    }
}
