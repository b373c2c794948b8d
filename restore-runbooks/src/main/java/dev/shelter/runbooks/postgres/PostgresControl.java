package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;

/** The port for what Shelter asks of a cluster's PostgreSQL beyond inspection. */
public interface PostgresControl {

    /** Opens a session for backup mode, named {@code applicationName} in pg_stat_activity. */
    BackupSession openBackupSession(PostgresEndpoint endpoint, String applicationName);

    /** Ends every session named {@code applicationName}: backup sessions left by a Shelter that died. Returns how many. */
    int terminateSessions(PostgresEndpoint endpoint, String applicationName);

    /** Runs one SQL statement (a hook) within the timeout. */
    void execute(PostgresEndpoint endpoint, String sql, java.time.Duration timeout);
}
