package dev.shelter.service.hooks;

import dev.shelter.runbooks.cluster.BackupHook;
import dev.shelter.runbooks.cluster.PostgresEndpoint;
import dev.shelter.runbooks.postgres.PostgresControl;

import java.time.Duration;

/** Runs one SQL statement on the cluster (e.g. a CHECKPOINT, or a row in an audit table). */
public final class SqlHook implements BackupHook {

    private final PostgresControl postgres;
    private final PostgresEndpoint endpoint;
    private final String sql;
    private final Duration timeout;

    public SqlHook(PostgresControl postgres, PostgresEndpoint endpoint, String sql, Duration timeout) {
        this.postgres = postgres;
        this.endpoint = endpoint;
        this.sql = sql;
        this.timeout = timeout;
    }

    @Override
    public void run() {
        postgres.execute(endpoint, sql, timeout);
    }

    @Override
    public String describe() {
        return "sql '" + (sql.length() > 60 ? sql.substring(0, 60) + "…" : sql) + "'";
    }
}
