package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of a file PostgreSQL archives and asks back for: a WAL segment
 * ({@code 000000010000000000000003}), the partial last segment of a timeline left at a promotion
 * ({@code ….partial}), a timeline history file ({@code 00000002.history}) or a backup history file
 * ({@code ….00000028.backup}). Anything else is refused, so a name can never reach outside the
 * archive's key space.
 */
public record WalFileName(String value, Kind kind, Timeline timeline) {

    public enum Kind { SEGMENT, PARTIAL, HISTORY, BACKUP_HISTORY }

    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
    private static final Pattern BACKUP_HISTORY = Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup");

    public WalFileName {
        Objects.requireNonNull(value, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(timeline, "timeline");
    }

    /** Parses a file name as PostgreSQL writes it (%f); {@link IllegalArgumentException} says why not. */
    public static WalFileName parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no WAL file name");
        }
        Kind kind;
        if (SEGMENT.matcher(text).matches()) {
            kind = Kind.SEGMENT;
        } else if (PARTIAL.matcher(text).matches()) {
            kind = Kind.PARTIAL;
        } else if (HISTORY.matcher(text).matches()) {
            kind = Kind.HISTORY;
        } else if (BACKUP_HISTORY.matcher(text).matches()) {
            kind = Kind.BACKUP_HISTORY;
        } else {
            throw new IllegalArgumentException("'" + text + "' is not a WAL file name (a segment such as 000000010000000000000003, "
                    + "a .partial or .backup of one, or a timeline history file such as 00000002.history)");
        }
        long timeline = Long.parseLong(text.substring(0, 8), 16);
        if (timeline == 0) {
            throw new IllegalArgumentException("'" + text + "' names timeline 0, which does not exist");
        }
        return new WalFileName(text, kind, new Timeline(timeline));
    }

    /**
     * Segment {@code number} of {@code timeline}: its number split in "log" and "seg" parts as
     * PostgreSQL does for {@code segmentBytes} segments.
     */
    public static WalFileName segment(Timeline timeline, long number, long segmentBytes) {
        long segmentsPerLogId = segmentsPerLogId(segmentBytes);
        if (number < 0) {
            throw new IllegalArgumentException("segment " + number + " does not exist");
        }
        return new WalFileName(String.format("%s%08X%08X", timeline.hex(), number / segmentsPerLogId, number % segmentsPerLogId),
                Kind.SEGMENT, timeline);
    }

    /** The segment holding the byte at {@code lsn} (PostgreSQL's XLByteToSeg). */
    public static WalFileName containing(Timeline timeline, Lsn lsn, long segmentBytes) {
        return segment(timeline, Long.divideUnsigned(lsn.value(), requireSegmentSize(segmentBytes)), segmentBytes);
    }

    /**
     * The last segment a backup needs: the one holding the byte just before its stop LSN. A stop LSN
     * exactly on a segment boundary needs nothing of the next segment (PostgreSQL's XLByteToPrevSeg).
     */
    public static WalFileName lastNeededBefore(Timeline timeline, Lsn stop, long segmentBytes) {
        return segment(timeline, Long.divideUnsigned(stop.value() - 1, requireSegmentSize(segmentBytes)), segmentBytes);
    }

    /** A segment, or the .partial or .backup of one: the name starts with a segment's 24 digits. */
    public boolean namesSegmentContent() {
        return kind == Kind.SEGMENT || kind == Kind.PARTIAL;
    }

    /**
     * Where the segment this name belongs to starts, for a server with {@code segmentBytes} segments;
     * {@link IllegalArgumentException} if the name's "seg" part is too large for that size.
     */
    public Lsn segmentStart(long segmentBytes) {
        return new Lsn(segmentNumber(segmentBytes) * segmentBytes);
    }

    /**
     * The number of the segment this name belongs to, counted from the start of WAL, for a server
     * with {@code segmentBytes} segments; {@link IllegalArgumentException} as for {@link #segmentStart}.
     */
    public long segmentNumber(long segmentBytes) {
        if (kind == Kind.HISTORY) {
            throw new IllegalStateException(value + " is a history file, not a segment");
        }
        long segmentsPerLogId = segmentsPerLogId(segmentBytes);
        long logId = Long.parseLong(value.substring(8, 16), 16);
        long seg = Long.parseLong(value.substring(16, 24), 16);
        if (seg >= segmentsPerLogId) {
            throw new IllegalArgumentException("'" + value + "' is not a segment name for " + segmentBytes + "-byte segments");
        }
        return logId * segmentsPerLogId + seg;
    }

    /** The segment after this one on the same timeline. */
    public WalFileName nextSegment(long segmentBytes) {
        return segment(timeline, segmentNumber(segmentBytes) + 1, segmentBytes);
    }

    /** PostgreSQL's segment sizes: a power of two from 1 MB to 1 GB. Returns {@code segmentBytes}. */
    public static long requireSegmentSize(long segmentBytes) {
        if (Long.bitCount(segmentBytes) != 1 || segmentBytes < 1024 * 1024 || segmentBytes > 1024L * 1024 * 1024) {
            throw new IllegalArgumentException("WAL segment size " + segmentBytes + " is not a power of two from 1 MB to 1 GB");
        }
        return segmentBytes;
    }

    private static long segmentsPerLogId(long segmentBytes) {
        return 0x100000000L / requireSegmentSize(segmentBytes);
    }

    @Override
    public String toString() {
        return value;
    }
}
