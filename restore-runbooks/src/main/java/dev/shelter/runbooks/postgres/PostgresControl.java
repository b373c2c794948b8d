package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.cluster.PostgresEndpoint;

/** The port for what Shelter asks of a cluster's PostgreSQL beyond inspection. */
public interface PostgresControl {

    /** Opens a session for backup mode, named {@code applicationName} in pg_stat_activity. */
    BackupSession openBackupSession(PostgresEndpoint endpoint, String applicationName);

    /** Ends every session named {@code applicationName}: backup sessions left by a Shelter that died. Returns how many. */
    int terminateSessions(PostgresEndpoint endpoint, String applicationName);

    /**
     * Before a restore replaces a running primary: commits a transaction that writes nothing but
     * its commit record (so a commit later than any past time target exists) and switches to a new
     * WAL segment, so that all WAL written until now can be archived. Returns the switch position:
     * the archive is complete to now once the segment holding the position before it is archived.
     */
    dev.shelter.runbooks.backup.Lsn sealCurrentWal(PostgresEndpoint endpoint);

    /** Runs one SQL statement (a hook) within the timeout. */
    void execute(PostgresEndpoint endpoint, String sql, java.time.Duration timeout);

    /**
     * Runs one query within the timeout and returns its first row's first column as text (PostgreSQL's
     * text form: a boolean is "t" or "f"); empty when it returns no row or that value is NULL.
     */
    java.util.Optional<String> queryValue(PostgresEndpoint endpoint, String sql, java.time.Duration timeout);
}
