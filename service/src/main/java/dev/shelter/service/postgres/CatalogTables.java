package dev.shelter.service.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates the catalog database's tables, one replica at a time: two replicas starting together
 * would both run CREATE TABLE IF NOT EXISTS, and PostgreSQL lets the second fail on its catalog's
 * unique index (pg_type_typname_nsp_index) instead of finding the table there.
 */
final class CatalogTables {

    /** "SHLT" in ASCII; Quartz's tables use a lock of their own. */
    private static final long CREATE_LOCK = 0x53484C54L;

    private CatalogTables() {
    }

    static void createIfAbsent(Connection connection, String... statements) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(" + CREATE_LOCK + ")");
            for (String sql : statements) {
                statement.execute(sql);
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
