package dev.shelter.runbooks.plan.offsite;

import java.util.List;

/**
 * What an off-site copy of a data directory leaves out, as pg_basebackup and pgBackRest do: files
 * PostgreSQL rebuilds or never reads after a restore. Above all the WAL segments in pg_wal: a
 * restore replays the archived WAL through restore_command (the snapshot's own WAL never reaches
 * the end of the backup anyway, DESIGN.md section 8), and pg_wal holds up to max_wal_size of
 * recycled segments. The directories themselves stay.
 */
final class PgdataLeftOut {

    private static final List<String> EMPTIED_DIRECTORIES = List.of("pg_wal/", "pg_dynshmem/", "pg_notify/", "pg_replslot/",
            "pg_serial/", "pg_snapshots/", "pg_stat_tmp/", "pg_subtrans/");
    private static final List<String> FILES = List.of("postmaster.pid", "postmaster.opts");

    private PgdataLeftOut() {
    }

    /** {@code path}: a regular file's path relative to the data directory, "/"-separated. */
    static boolean test(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return FILES.contains(path) || EMPTIED_DIRECTORIES.stream().anyMatch(path::startsWith) || name.startsWith("pgsql_tmp")
                || name.equals("pg_internal.init");
    }
}
