package dev.shelter.runbooks.wal;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The long page header at the start of every WAL segment (XLogLongPageHeaderData): which system,
 * timeline and position the segment belongs to. Checking it against the file's name and the
 * archive's system identifier keeps a segment from another cluster, or under a wrong name, out of
 * the archive, as pgBackRest does.
 */
public record WalPageHeader(int magic, Timeline timeline, Lsn pageAddress, SystemIdentifier systemIdentifier, long segmentBytes,
                            int blockBytes) {

    /** Bytes of the long header that this reads. */
    public static final int LENGTH = 40;
    private static final int XLP_LONG_HEADER = 0x0002;

    /** Reads the header from a segment's first bytes (the server's byte order: little-endian here). */
    public static WalPageHeader parse(byte[] segment) {
        if (segment.length < LENGTH) {
            throw new IllegalArgumentException("a WAL segment starts with a " + LENGTH + "-byte header; got " + segment.length
                    + " bytes");
        }
        ByteBuffer header = ByteBuffer.wrap(segment, 0, LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        int magic = Short.toUnsignedInt(header.getShort(0));
        int info = Short.toUnsignedInt(header.getShort(2));
        long timeline = Integer.toUnsignedLong(header.getInt(4));
        if ((info & XLP_LONG_HEADER) == 0 || timeline == 0) {
            throw new IllegalArgumentException("the file does not start with a WAL segment's long page header");
        }
        return new WalPageHeader(magic, new Timeline(timeline), new Lsn(header.getLong(8)),
                new SystemIdentifier(header.getLong(24)), Integer.toUnsignedLong(header.getInt(32)), header.getInt(36));
    }

    /**
     * Refuses content that is not the segment {@code name} says: another timeline, another position,
     * or a length other than the segment size. Returns this header.
     */
    public WalPageHeader requireMatches(WalFileName name, long contentBytes) {
        // The first segment of a new timeline starts as a copy of its parent's segment up to the
        // switch, page headers included: its header names the parent, never a later timeline.
        if (timeline.id() > name.timeline().id()) {
            throw new IllegalArgumentException(name + " holds WAL of timeline " + timeline + ", later than " + name.timeline());
        }
        if (!name.segmentStart(segmentBytes).equals(pageAddress)) {
            throw new IllegalArgumentException(name + " holds the segment starting at " + pageAddress + ", not at "
                    + name.segmentStart(segmentBytes));
        }
        if (contentBytes != segmentBytes) {
            throw new IllegalArgumentException(name + " has " + contentBytes + " bytes; its server's segments have " + segmentBytes);
        }
        return this;
    }
}
