package dev.shelter.scheduler.quartz;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Quartz's own PostgreSQL tables (the script in its jar), created on first start and left alone
 * after: the script's DROPs are left out and every CREATE becomes CREATE ... IF NOT EXISTS, in a
 * schema of their own, under an advisory lock so that replicas starting together do not race.
 */
public final class QuartzTables {

    static final String SCHEMA = "shelter_quartz";
    static final String PREFIX = SCHEMA + ".qrtz_";
    private static final String SCRIPT = "/org/quartz/impl/jdbcjobstore/tables_postgres.sql";
    /** Any constant the catalog's other advisory locks do not use: "QRTZ" in ASCII. */
    private static final long CREATE_LOCK = 0x5152545AL;

    private QuartzTables() {
    }

    public static void createIfAbsent(String jdbcUrl, String user, String password) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(" + CREATE_LOCK + ")");
                statement.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
                for (String create : statements()) {
                    statement.execute(create);
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create Quartz's tables in " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /** The script's CREATE statements, made idempotent and placed in {@link #SCHEMA}. */
    static List<String> statements() {
        String script;
        try (InputStream in = QuartzTables.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("Quartz's jar has no " + SCRIPT);
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SCRIPT, e);
        }
        List<String> statements = new ArrayList<>();
        for (String raw : script.replaceAll("(?m)^--.*$", "").split(";")) {
            String sql = raw.strip().replaceAll("\\s+", " ");
            if (sql.isEmpty() || sql.startsWith("DROP ") || sql.equalsIgnoreCase("COMMIT")) {
                continue;
            }
            if (!sql.startsWith("CREATE TABLE QRTZ_") && !sql.startsWith("CREATE INDEX IDX_QRTZ_")) {
                throw new IllegalStateException("unexpected statement in Quartz's script: " + sql);
            }
            statements.add(sql.replace("CREATE TABLE QRTZ_", "CREATE TABLE IF NOT EXISTS " + SCHEMA + ".QRTZ_")
                    .replace("CREATE INDEX IDX_", "CREATE INDEX IF NOT EXISTS IDX_")
                    .replace(" ON QRTZ_", " ON " + SCHEMA + ".QRTZ_")
                    .replace("REFERENCES QRTZ_", "REFERENCES " + SCHEMA + ".QRTZ_"));
        }
        return statements;
    }
}
