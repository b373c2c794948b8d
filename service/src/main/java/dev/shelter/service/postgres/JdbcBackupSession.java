package dev.shelter.service.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.postgres.BackupSession;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;

/** Backup mode in one held JDBC session, with the calls of PostgreSQL 15+ or of 13 and 14. */
final class JdbcBackupSession implements BackupSession {

    private static final int FIRST_NON_EXCLUSIVE_ONLY = 150000;
    private static final int OLDEST_SUPPORTED = 130000;

    private final Connection connection;
    private int versionNum;

    JdbcBackupSession(Connection connection) {
        this.connection = connection;
    }

    @Override
    public ServerState inspect() {
        String sql = """
                SELECT current_setting('server_version_num')::int,
                       (SELECT system_identifier FROM pg_control_system())::text,
                       (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
                       pg_is_in_recovery(),
                       (SELECT sum(pg_database_size(oid))::bigint FROM pg_database)
                """;
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            versionNum = row.getInt(1);
            if (versionNum < OLDEST_SUPPORTED) {
                throw new IllegalStateException("PostgreSQL " + versionNum + " is older than 13, which Shelter needs");
            }
            ServerIdentity identity = new ServerIdentity(versionNum, SystemIdentifier.parse(row.getString(2)), row.getLong(3));
            return new ServerState(identity, row.getBoolean(4), row.getLong(5));
        } catch (SQLException e) {
            throw failed("inspect the server", e);
        }
    }

    @Override
    public Started begin(String label, boolean fastCheckpoint) {
        requireInspected();
        String sql = versionNum >= FIRST_NON_EXCLUSIVE_ONLY
                ? "SELECT pg_backup_start(?, ?)::text"
                : "SELECT pg_start_backup(?, ?, false)::text";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, label);
            statement.setBoolean(2, fastCheckpoint);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return new Started(Lsn.parse(row.getString(1)), Instant.now());
            }
        } catch (SQLException e) {
            throw failed("start backup mode", e);
        }
    }

    /**
     * Without PostgreSQL's archive wait, which polls once a second and would hold backup mode open
     * that much longer (DESIGN.md section 3, rule 1). BackupRunner waits for Shelter's own archive
     * afterwards (rule 5).
     */
    @Override
    public Stopped end() {
        requireInspected();
        String sql = versionNum >= FIRST_NON_EXCLUSIVE_ONLY
                ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(wait_for_archive => false)"
                : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            String spcmap = row.getString(3);
            return new Stopped(Lsn.parse(row.getString(1)), row.getString(2), spcmap == null ? "" : spcmap, Instant.now());
        } catch (SQLException e) {
            throw failed("stop backup mode", e);
        }
    }

    @Override
    public int backendPid() {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
            row.next();
            return row.getInt(1);
        } catch (SQLException e) {
            throw failed("read the backend pid", e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // the session is gone either way, and with it any backup mode it held
        }
    }

    private void requireInspected() {
        if (versionNum == 0) {
            inspect();
        }
    }

    private static IllegalStateException failed(String action, SQLException e) {
        return new IllegalStateException("cannot " + action + ": " + e.getMessage(), e);
    }
}
