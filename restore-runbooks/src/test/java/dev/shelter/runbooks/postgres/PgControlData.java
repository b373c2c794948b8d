package dev.shelter.runbooks.postgres;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * pg_controldata's output ({@code LC_ALL=C TZ=UTC}), as the reference {@link ControlFile} is checked
 * against: every field the reader exposes must say what PostgreSQL's own tool says.
 */
final class PgControlData {

    /** strftime's %c in the C locale, as pg_controldata prints times. */
    private static final DateTimeFormatter C_TIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Map<String, String> fields = new LinkedHashMap<>();

    private PgControlData(String output) {
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
    }

    static PgControlData parse(String output) {
        return new PgControlData(output);
    }

    String get(String field) {
        String value = fields.get(field);
        if (value == null) {
            throw new AssertionError("pg_controldata printed no '" + field + "': " + fields.keySet());
        }
        return value;
    }

    /** Field by field, in pg_controldata's words. */
    void assertSameAs(ControlFile control) {
        assertEquals(get("pg_control version number"), Integer.toString(control.controlVersion()));
        assertEquals(get("Catalog version number"), Integer.toString(control.catalogVersion()));
        assertEquals(get("Database system identifier"), control.systemIdentifierText());
        assertEquals(get("Database cluster state"), control.state().label());
        assertEquals(get("pg_control last modified"), C_TIME.format(control.modified()));
        assertEquals(get("Latest checkpoint location"), control.checkpoint().toString());
        assertEquals(get("Latest checkpoint's REDO location"), control.redo().toString());
        assertEquals(get("Latest checkpoint's TimeLineID"), control.timeline().toString());
        assertEquals(get("Latest checkpoint's PrevTimeLineID"), control.previousTimeline().toString());
        assertEquals(get("Latest checkpoint's full_page_writes"), control.fullPageWrites() ? "on" : "off");
        assertEquals(get("Minimum recovery ending location"), control.minRecoveryPoint().toString());
        assertEquals(get("Backup start location"), control.backupStartPoint().toString());
        assertEquals(get("Backup end location"), control.backupEndPoint().toString());
        assertEquals(get("End-of-backup record required"), control.backupEndRequired() ? "yes" : "no");
        assertEquals(get("wal_level setting"), control.walLevel().label());
        assertEquals(get("Database block size"), Integer.toString(control.blockBytes()));
        assertEquals(get("Bytes per WAL segment"), Integer.toString(control.walSegmentBytes()));
        assertEquals(get("Data page checksum version"), Integer.toString(control.dataChecksumVersion()));
        assertEquals(get("max_connections setting"), Integer.toString(control.standbySettings().maxConnections()));
        assertEquals(get("max_worker_processes setting"), Integer.toString(control.standbySettings().maxWorkerProcesses()));
        assertEquals(get("max_wal_senders setting"), Integer.toString(control.standbySettings().maxWalSenders()));
        assertEquals(get("max_prepared_xacts setting"), Integer.toString(control.standbySettings().maxPreparedTransactions()));
        assertEquals(get("max_locks_per_xact setting"), Integer.toString(control.standbySettings().maxLocksPerTransaction()));
    }

    static String format(Instant instant) {
        return C_TIME.format(instant);
    }
}
