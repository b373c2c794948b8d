package dev.shelter.runbooks.postgres;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.ServerIdentity;

import java.time.Instant;

/**
 * One dedicated PostgreSQL session that holds backup mode: begin and end must run in it, and if it
 * dies PostgreSQL aborts the backup by itself (DESIGN.md section 3, rule 1). Closing it mid-backup
 * is how a failed backup is abandoned.
 */
public interface BackupSession extends AutoCloseable {

    /** What the server is; {@code inRecovery} is true on a standby. */
    record ServerState(ServerIdentity identity, boolean inRecovery, long databaseBytes) {
    }

    record Started(Lsn startLsn, Instant at) {
    }

    /** What the stop call returned, byte for byte. */
    record Stopped(Lsn stopLsn, String labelFile, String tablespaceMap, Instant at) {
    }

    ServerState inspect();

    /** pg_backup_start (15+) or pg_start_backup(label, fast, false) (13, 14). */
    Started begin(String label, boolean fastCheckpoint);

    /** pg_backup_stop(wait_for_archive => true) (15+) or pg_stop_backup(false, true), in this same session. */
    Stopped end();

    /** The backend's process id, to find (and in tests, kill) this session. */
    int backendPid();

    @Override
    void close();
}
