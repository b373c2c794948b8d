package dev.shelter.runbooks.backup;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A backup's id: its start time in UTC and a random tail, e.g. 20261121T101500Z-3fa9c1, so that ids
 * sort by time and are unique across clusters and service replicas. Also the snapshots' name stem.
 */
public record BackupId(String value) implements Comparable<BackupId> {

    private static final Pattern FORMAT = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{6}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    public BackupId {
        Objects.requireNonNull(value, "backup id");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a backup id (e.g. 20261121T101500Z-3fa9c1)");
        }
    }

    public static BackupId startingAt(Instant start) {
        byte[] tail = new byte[3];
        RANDOM.nextBytes(tail);
        return new BackupId(STAMP.format(start) + "-" + HexFormat.of().formatHex(tail));
    }

    public static boolean isWellFormed(String text) {
        return text != null && FORMAT.matcher(text).matches();
    }

    /** The name every snapshot of this backup carries, on every volume of the set. */
    public String snapshotName() {
        return "shelter-" + value;
    }

    @Override
    public int compareTo(BackupId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
