package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Lsn;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a point-in-time recovery stops: exactly one of a time, an LSN, a transaction, a named
 * restore point, the end of the backup, or the end of the archived WAL. Each knows the recovery
 * settings that say so to PostgreSQL (DESIGN.md section 3, rule 6) and how to be journaled.
 */
public sealed interface RestoreTarget {

    /** The recovery_target_* settings, in the order they are written; empty for {@link Latest}. */
    Map<String, String> settings();

    /** How the API echoes it, times in UTC. */
    String describe();

    /** One line for the journal; {@link #decode} reads it back. */
    String encode();

    /** Whether the chosen backup's end lies at or before this target, as far as the target can tell. */
    boolean isReachableFrom(BackupManifest backup);

    /**
     * Whether PostgreSQL's reason for ending recovery (the new timeline's history file) is this
     * target's: a time target stops before the first commit past it, an LSN or a transaction before
     * or after it as inclusive says, "immediate" on reaching consistency, no target at the end of WAL.
     */
    boolean isStop(String reason);

    /** A commit time; an RFC 3339 text must carry its offset. */
    record AtTime(Instant at, boolean inclusive) implements RestoreTarget {

        // Written with an explicit +00 (PostgreSQL reads a bare 'Z' as an invalid zone in some versions).
        private static final DateTimeFormatter POSTGRES = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS")
                .withZone(ZoneOffset.UTC);

        public AtTime {
            Objects.requireNonNull(at, "at");
        }

        /** RFC 3339 with an offset ("2026-11-29T10:15:00.25+01:00" or "…Z"); a text without one is refused. */
        public static AtTime parse(String text, boolean inclusive) {
            Instant at;
            try {
                at = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("time '" + text + "' is not RFC 3339 with an offset (e.g. "
                        + "2026-11-29T10:15:00Z or 2026-11-29T11:15:00+01:00): a time without one is read differently by "
                        + "different tools");
            }
            if (at.getNano() % 1000 != 0) {
                throw new IllegalArgumentException("time '" + text + "' is finer than a microsecond, which PostgreSQL cannot "
                        + "tell apart: give at most 6 decimals");
            }
            return new AtTime(at, inclusive);
        }

        @Override
        public Map<String, String> settings() {
            return withInclusive("recovery_target_time", POSTGRES.format(at) + "+00", inclusive);
        }

        @Override
        public String describe() {
            return "time " + at + (inclusive ? " (inclusive)" : " (exclusive)");
        }

        @Override
        public String encode() {
            return "time " + at + " " + inclusive;
        }

        @Override
        public boolean isReachableFrom(BackupManifest backup) {
            return backup.window().endedAt().isBefore(at);
        }

        @Override
        public boolean isStop(String reason) {
            return reason.matches("before \\d{4}-\\d{2}-\\d{2} .*");
        }
    }

    /** A WAL position. */
    record AtLsn(Lsn lsn, boolean inclusive) implements RestoreTarget {

        public AtLsn {
            Objects.requireNonNull(lsn, "lsn");
        }

        @Override
        public Map<String, String> settings() {
            return withInclusive("recovery_target_lsn", lsn.toString(), inclusive);
        }

        @Override
        public String describe() {
            return "LSN " + lsn + (inclusive ? " (inclusive)" : " (exclusive)");
        }

        @Override
        public String encode() {
            return "lsn " + lsn + " " + inclusive;
        }

        @Override
        public boolean isReachableFrom(BackupManifest backup) {
            return lsn.isAfter(backup.window().stopLsn());
        }

        @Override
        public boolean isStop(String reason) {
            return reason.startsWith((inclusive ? "after" : "before") + " LSN ");
        }
    }

    /**
     * A transaction's commit. Where it lies in WAL is not known before replay: any backup may be
     * chosen, and a commit before the backup's end makes PostgreSQL stop with "recovery ended
     * before configured recovery target was reached", which fails the restore.
     */
    record AtTransaction(long xid, boolean inclusive) implements RestoreTarget {

        public AtTransaction {
            if (xid < 3 || xid > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("xid must be a normal transaction id, 3 to 4294967295, not " + xid);
            }
        }

        @Override
        public Map<String, String> settings() {
            return withInclusive("recovery_target_xid", Long.toString(xid), inclusive);
        }

        @Override
        public String describe() {
            return "transaction " + xid + (inclusive ? " (inclusive)" : " (exclusive)");
        }

        @Override
        public String encode() {
            return "xid " + xid + " " + inclusive;
        }

        @Override
        public boolean isReachableFrom(BackupManifest backup) {
            return true;
        }

        @Override
        public boolean isStop(String reason) {
            return reason.equals((inclusive ? "after" : "before") + " transaction " + xid);
        }
    }

    /** A restore point made with pg_create_restore_point; like a transaction, its place is known only to replay. */
    record AtRestorePoint(String name) implements RestoreTarget {

        private static final Pattern USABLE = Pattern.compile("[A-Za-z0-9._:@+-][A-Za-z0-9 ._:@+-]{0,62}");

        public AtRestorePoint {
            if (name == null || !USABLE.matcher(name).matches()) {
                throw new IllegalArgumentException("a restore point name must be 1-63 characters of letters, digits, "
                        + "space and ._:@+-, not '" + name + "'");
            }
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_name", name);
        }

        @Override
        public String describe() {
            return "restore point '" + name + "'";
        }

        @Override
        public String encode() {
            return "name " + name;
        }

        @Override
        public boolean isReachableFrom(BackupManifest backup) {
            return true;
        }

        @Override
        public boolean isStop(String reason) {
            return reason.equals("at restore point \"" + name + "\"");
        }
    }

    /** The end of the backup: exactly its data, nothing replayed beyond the point it became consistent. */
    record BackupEnd() implements RestoreTarget {

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target", "immediate");
        }

        @Override
        public String describe() {
            return "the end of the backup (immediate)";
        }

        @Override
        public String encode() {
            return "immediate";
        }

        @Override
        public boolean isReachableFrom(BackupManifest backup) {
            return true;
        }

        @Override
        public boolean isStop(String reason) {
            return reason.equals("reached consistency");
        }
    }

    /** Everything archived: replay until the archive has no more WAL. */
    record Latest() implements RestoreTarget {

        @Override
        public Map<String, String> settings() {
            return Map.of();
        }

        @Override
        public String describe() {
            return "the end of the archived WAL (latest)";
        }

        @Override
        public String encode() {
            return "latest";
        }

        @Override
        public boolean isReachableFrom(BackupManifest backup) {
            return true;
        }

        @Override
        public boolean isStop(String reason) {
            return reason.equals("no recovery target specified");
        }
    }

    static RestoreTarget decode(String text) {
        String[] parts = text.split(" ", 2);
        String rest = parts.length > 1 ? parts[1] : "";
        return switch (parts[0]) {
            case "time" -> new AtTime(Instant.parse(rest.substring(0, rest.lastIndexOf(' '))), inclusive(rest));
            case "lsn" -> new AtLsn(Lsn.parse(rest.substring(0, rest.lastIndexOf(' '))), inclusive(rest));
            case "xid" -> new AtTransaction(Long.parseLong(rest.substring(0, rest.lastIndexOf(' '))), inclusive(rest));
            case "name" -> new AtRestorePoint(rest);
            case "immediate" -> new BackupEnd();
            case "latest" -> new Latest();
            default -> throw new IllegalArgumentException("'" + text + "' is not a journaled restore target");
        };
    }

    private static boolean inclusive(String rest) {
        return Boolean.parseBoolean(rest.substring(rest.lastIndexOf(' ') + 1));
    }

    private static Map<String, String> withInclusive(String key, String value, boolean inclusive) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(key, value);
        settings.put("recovery_target_inclusive", inclusive ? "on" : "off");
        return settings;
    }
}
