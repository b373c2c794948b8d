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

    /**
     * pg_backup_stop(wait_for_archive => false) (15+) or pg_stop_backup(false, false), in this same
     * session. It returns as soon as backup mode has ended, without waiting for any archive: the
     * WAL through the stop LSN may not be archived yet, so the backup is not restorable until the
     * caller has seen that WAL in Shelter's own archive (DESIGN.md section 3, rules 1 and 5). On a
     * primary PostgreSQL has switched to a new WAL segment by then, so the segment holding the stop
     * LSN is complete; on a standby it completes only when the primary's WAL moves on.
     */
    Stopped end();

    /** The backend's process id, to find (and in tests, kill) this session. */
    int backendPid();

    @Override
    void close();
}
